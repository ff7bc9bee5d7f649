/**
 * TEST DOUBLE — not a product feature. The in-memory log behind our fake EventStoreDB gRPC server
 * (see README.md here). It models only what the EventStoreDB adapter relies on: streams with 0-based
 * revisions, one global log ordered by position, expected-revision checks and idempotent retries.
 */

export type StoredEvent = {
  id: string;
  streamName: string;
  revision: bigint;
  /** commit = prepare = this value in the double. */
  position: bigint;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
  /** .NET ticks (100 ns) since the Unix epoch, as EventStoreDB sends in the `created` metadata key. */
  created: bigint;
};

export type ProposedEvent = {
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
};

export type Expected =
  | { kind: 'any' }
  | { kind: 'no_stream' }
  | { kind: 'stream_exists' }
  | { kind: 'revision'; revision: bigint };

export type AppendOutcome =
  | { ok: true; currentRevision: bigint | undefined; position: bigint | undefined }
  | { ok: false; current: bigint | undefined };

const TICKS_PER_MS = 10_000n;

export class MemoryLog {
  readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private waiters: Array<() => void> = [];
  private nextPosition: bigint;

  /** `firstPosition` defaults above 2^53 so that any Number() of a position loses precision in tests. */
  constructor(firstPosition: bigint = 2n ** 53n + 1n) {
    this.nextPosition = firstPosition;
  }

  stream(name: string): readonly StoredEvent[] | undefined {
    return this.streams.get(name);
  }

  /** Atomic: the checks and the write happen in one synchronous step, so concurrent calls serialise. */
  append(streamName: string, expected: Expected, proposed: readonly ProposedEvent[]): AppendOutcome {
    const existing = this.streams.get(streamName) ?? [];
    const current = existing.length > 0 ? BigInt(existing.length - 1) : undefined;
    const idempotent = this.idempotentMatch(existing, expected, proposed);
    if (idempotent) return idempotent;
    const holds =
      expected.kind === 'any' ||
      (expected.kind === 'no_stream' && current === undefined) ||
      (expected.kind === 'stream_exists' && current !== undefined) ||
      (expected.kind === 'revision' && current === expected.revision);
    if (!holds) return { ok: false, current };
    if (proposed.length === 0) {
      const last = existing.at(-1);
      return { ok: true, currentRevision: current, position: last?.position };
    }
    const created = BigInt(Date.now()) * TICKS_PER_MS;
    for (const event of proposed) {
      const stored: StoredEvent = {
        ...event,
        streamName,
        revision: BigInt(existing.length),
        position: this.nextPosition++,
        created,
      };
      existing.push(stored);
      this.all.push(stored);
    }
    this.streams.set(streamName, existing);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
    const last = existing.at(-1)!;
    return { ok: true, currentRevision: last.revision, position: last.position };
  }

  /** EventStoreDB treats the same event ids proposed again at the same place as a successful no-op. */
  private idempotentMatch(
    existing: readonly StoredEvent[],
    expected: Expected,
    proposed: readonly ProposedEvent[],
  ): AppendOutcome | undefined {
    const first = proposed[0];
    if (!first) return undefined;
    let start: number;
    switch (expected.kind) {
      // EventStoreDB checks `stream_exists` like `any` here (by the first event's id), once the stream exists.
      case 'any':
      case 'stream_exists':
        start = existing.findIndex((event) => event.id === first.id);
        break;
      case 'no_stream':
        start = 0;
        break;
      case 'revision':
        // Array index: the double's streams are small, in-memory arrays.
        start = expected.revision + 1n < BigInt(existing.length) ? Number(expected.revision + 1n) : -1;
        break;
    }
    if (start < 0 || start + proposed.length > existing.length) return undefined;
    const matches = proposed.every((event, i) => existing[start + i]?.id === event.id);
    if (!matches) return undefined;
    const last = existing[start + proposed.length - 1]!;
    return { ok: true, currentRevision: last.revision, position: last.position };
  }

  /** Index in `all` of the first event whose position is > `position` (or >= when `inclusive`). */
  indexAfter(position: bigint, inclusive = false): number {
    let low = 0;
    let high = this.all.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const at = this.all[mid]!.position;
      if (at < position || (!inclusive && at === position)) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Resolves on the next append; the caller checks `all.length` first, so no wake-up is lost. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
