import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  jsonEvent,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { pino } from 'pino';
import type { Logger } from '../../logger.ts';
import { StreamNotFound, VersionConflict } from '../errors.ts';
import type {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  RecordedEvent,
} from '../port.ts';
import { comparePositions, type Position } from '../position.ts';
import {
  isSystemEvent,
  matchesFilter,
  toActualRevision,
  toClientExpectedRevision,
  toRecordedEvent,
} from './mapping.ts';
import { validateEventsForAppend } from './payload.ts';
import { type ResubscribeBackoff, subscribeWithResume } from './subscribe-to-all.ts';

export type EsdbEventStoreOptions = {
  /** `esdb://host:2113` (TLS on) or `esdb://host:2113?tls=false`; parsed by the client. */
  connectionString: string;
  logger?: Logger;
  /** How long a dropped subscription waits before resubscribing: doubling from initialMs up to maxMs. */
  resubscribeBackoff?: ResubscribeBackoff;
};

/** Events fetched per round trip when readAll pages through $all itself (filters run on our side). */
const READ_ALL_BATCH = 500;

/**
 * The EventStore port over EventStoreDB (@eventstore/db-client 6). It translates and holds no rules:
 * revisions and positions stay bigint, `WrongExpectedVersionError` becomes VersionConflict and
 * `StreamNotFoundError` StreamNotFound, and EventStoreDB's own `$` events never reach callers.
 */
export function createEsdbEventStore(options: EsdbEventStoreOptions): EventStore {
  const client = EventStoreDBClient.connectionString(options.connectionString);
  const logger = options.logger ?? pino({ level: 'silent' });
  const backoff = options.resubscribeBackoff ?? { initialMs: 100, maxMs: 5_000 };
  const closeHooks = new Set<() => void>();

  /** Collects a client read; the client's stream is always read to its end so its call is released. */
  async function collect<T>(read: AsyncIterable<T>): Promise<T[]> {
    const items: T[] = [];
    for await (const item of read) items.push(item);
    return items;
  }

  async function readStream(stream: string, readOptions: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { direction = 'forwards', fromRevision, maxCount } = readOptions;
    try {
      const resolved = await collect(
        client.readStream(stream, {
          direction: direction === 'backwards' ? BACKWARDS : FORWARDS,
          fromRevision: fromRevision ?? (direction === 'backwards' ? END : START),
          // Zero still asks for one, so that a missing stream is reported as such.
          maxCount: maxCount === undefined ? Number.MAX_SAFE_INTEGER : Math.max(maxCount, 1),
        }),
      );
      return maxCount === 0 ? [] : resolved.map(toRecordedEvent);
    } catch (error) {
      if (error instanceof StreamNotFoundError) throw new StreamNotFound(stream);
      throw error;
    }
  }

  /** The position of the event at `revision`, for an idempotent append the server reports without one. */
  async function positionOf(stream: string, revision: bigint): Promise<Position> {
    const [event] = await readStream(stream, { fromRevision: revision, maxCount: 1 });
    if (!event) throw new Error(`EventStoreDB reported ${stream}@${revision} but it cannot be read`);
    return event.position;
  }

  async function appendToStream(
    stream: string,
    events: EventToAppend[],
    appendOptions: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    const expected = appendOptions.expectedRevision ?? 'any';
    if (events.length === 0) throw new TypeError(`appendToStream(${stream}) needs at least one event`);
    validateEventsForAppend(stream, events);
    try {
      const result = await client.appendToStream(
        stream,
        events.map((event) =>
          jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: event.metadata ?? {} }),
        ),
        { expectedRevision: toClientExpectedRevision(expected) },
      );
      const position = result.position ?? (await positionOf(stream, result.nextExpectedRevision));
      return {
        nextExpectedRevision: result.nextExpectedRevision,
        position: { commit: position.commit, prepare: position.prepare },
      };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        throw new VersionConflict(stream, expected, toActualRevision(error.actualVersion));
      }
      throw error;
    }
  }

  async function readAll(readOptions: ReadAllOptions = {}): Promise<ReadAllPage> {
    const { after, filter } = readOptions;
    const limit = readOptions.maxCount ?? Number.POSITIVE_INFINITY;
    const events: RecordedEvent[] = [];
    /** The last position examined, delivered or filtered out: the next batch starts there. */
    let scanned = after;
    let full = false;
    let isEnd = false;
    while (!full && !isEnd) {
      // A forwards read from a position includes it, hence the extra event; one more again (when a
      // limit is set) tells whether this page reached the end. Filtered reads take whole batches.
      const wanted = (filter ? READ_ALL_BATCH : Math.min(READ_ALL_BATCH, limit - events.length + 1)) + 1;
      const batch = await collect(client.readAll({ fromPosition: scanned ?? START, maxCount: wanted }));
      for (const resolved of batch) {
        const event = resolved.event;
        if (full || !event?.position) continue;
        const position = { commit: event.position.commit, prepare: event.position.prepare };
        if (scanned && comparePositions(position, scanned) <= 0) continue;
        if (matchesFilter(filter, event.streamId, event.type)) {
          if (events.length >= limit) {
            full = true;
            continue;
          }
          events.push(toRecordedEvent(resolved));
        }
        scanned = position;
      }
      if (batch.length < wanted) isEnd = !full;
    }
    const next = full ? events.at(-1)?.position : scanned;
    return { events, next, isEnd };
  }

  async function headPosition(): Promise<Position | undefined> {
    // The newest event that is ours: EventStoreDB keeps appending its own `$` events.
    let before: Position | undefined;
    for (;;) {
      const batch = await collect(
        client.readAll({ direction: BACKWARDS, fromPosition: before ?? END, maxCount: 64 }),
      );
      for (const { event } of batch) {
        if (!event?.position) continue;
        if (before && comparePositions(event.position, before) >= 0) continue;
        if (!isSystemEvent(event.streamId, event.type)) {
          return { commit: event.position.commit, prepare: event.position.prepare };
        }
        before = event.position;
      }
      if (batch.length < 64) return undefined;
    }
  }

  return {
    appendToStream,
    readStream,
    readAll,
    subscribeToAll: (subscribeOptions) =>
      subscribeWithResume(
        {
          client,
          logger,
          backoff,
          onClose: (stop) => {
            closeHooks.add(stop);
            return () => closeHooks.delete(stop);
          },
        },
        subscribeOptions,
      ),
    headPosition,
    close: async () => {
      for (const stop of closeHooks) stop();
      await client.dispose();
    },
  };
}
