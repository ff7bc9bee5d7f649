import type { Position } from './position.ts';

/** EventStoreDB's expected-revision semantics; a bigint is the exact current revision (0-based). */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | bigint;

export type EventMetadata = {
  correlation_id?: string;
  causation_id?: string;
  user_id?: string;
  traceparent?: string;
  occurred_at?: string;
  request_id?: string;
  [key: string]: unknown;
};

export type EventToAppend = {
  /** uuid; deterministic where a retry must not duplicate the event. */
  id: string;
  type: string;
  /** JSON-serialisable; no bigint. */
  data: Record<string, unknown>;
  metadata?: EventMetadata;
};

export type RecordedEvent = {
  id: string;
  type: string;
  streamName: string;
  /** 0-based revision of this event in its stream. */
  revision: bigint;
  position: Position;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  recordedAt: Date;
};

export type AppendResult = { nextExpectedRevision: bigint; position: Position };

export type ReadStreamOptions = {
  direction?: 'forwards' | 'backwards';
  /** Inclusive start; default the first (forwards) or last (backwards) event. */
  fromRevision?: bigint;
  maxCount?: number;
};

/** Selects events by stream-name prefix and/or exact event type; both given means both must hold. */
export type EventFilter = { streamPrefixes?: readonly string[]; eventTypes?: readonly string[] };

export type ReadAllOptions = {
  /** Exclusive: events strictly after this position. Default: from the start. */
  after?: Position;
  maxCount?: number;
  filter?: EventFilter;
};

export type ReadAllPage = {
  events: RecordedEvent[];
  /** Where the next page starts (pass as `after`); the last position read, or `after` when empty. */
  next: Position | undefined;
  /** True when this page reached the end of what is visible now. */
  isEnd: boolean;
};

export type SubscribeOptions = {
  /** Exclusive: deliver events strictly after this position. Default: from the start. */
  after?: Position;
  filter?: EventFilter;
  /** Aborting ends the iteration cleanly. */
  signal?: AbortSignal;
};

/**
 * What a subscription yields: events in global order, and `caught-up` each time it has delivered
 * everything visible (first after the catch-up phase, then whenever it runs dry while live). The
 * position on `caught-up` lets a filtered consumer checkpoint past events the filter skipped.
 */
export type SubscriptionItem =
  | { kind: 'event'; event: RecordedEvent }
  | { kind: 'caught-up'; position: Position | undefined };

/**
 * The event store port. One interface, two adapters (PostgreSQL, EventStoreDB), one contract suite.
 * Streams are named `<category>-<id>`.
 */
export interface EventStore {
  /** Appends atomically; raises VersionConflict when `expectedRevision` does not hold. Appending the same
   * event ids again at the revision they were written at succeeds without duplicating (idempotent retry). */
  appendToStream(
    stream: string,
    events: EventToAppend[],
    options?: { expectedRevision?: ExpectedRevision },
  ): Promise<AppendResult>;
  /** Raises StreamNotFound when the stream has no events. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** The global log in commit order, paged by position. */
  readAll(options?: ReadAllOptions): Promise<ReadAllPage>;
  /** Catch-up then live; pull-based (backpressure: nothing is read ahead of the consumer beyond one page);
   * never skips or reorders. Iterate with `for await`; break or abort to stop. */
  subscribeToAll(options?: SubscribeOptions): AsyncIterable<SubscriptionItem>;
  /** The position of the newest committed event (undefined when empty): what a reader must reach to be current. */
  headPosition(): Promise<Position | undefined>;
  close(): Promise<void>;
}
