import type { EventStore, RecordedEvent } from '../port.ts';
import { positionToString } from '../position.ts';
import { eventHash, GENESIS_HASH, storedHash } from './chain.ts';

export type ChainBreakKind =
  /** The stored hash is not the hash of this event's content chained to the previous one: altered. */
  | 'hash-mismatch'
  /** No hash at all: written around the chain (or before it began). */
  | 'missing-hash'
  /** The stream jumps over a revision: an event was removed. */
  | 'revision-gap';

export type ChainBreak = {
  kind: ChainBreakKind;
  stream: string;
  revision: string;
  eventId: string;
  position: string;
  expected?: string;
  actual?: string;
};

type Link = { revision: bigint; hash: string };

/**
 * Checks each stream's chain as events arrive in log order (each stream's events come in revision order).
 * Only the first break of each stream is kept (with a count of the rest); after a break the stored hash is
 * trusted as the next link, so exactly the altered event is named, not everything after it.
 * Memory: one link per stream.
 */
export function createChainChecker() {
  const links = new Map<string, Link>();
  const firstBreaks = new Map<string, ChainBreak>();
  let breaks = 0;
  let checked = 0;

  const report = (b: ChainBreak) => {
    breaks += 1;
    if (!firstBreaks.has(b.stream)) firstBreaks.set(b.stream, b);
  };

  return {
    check(event: RecordedEvent): void {
      checked += 1;
      const previous = links.get(event.streamName);
      const where = {
        stream: event.streamName,
        revision: event.revision.toString(),
        eventId: event.id,
        position: positionToString(event.position),
      };
      const expectedRevision = previous ? previous.revision + 1n : 0n;
      if (event.revision !== expectedRevision) {
        report({
          kind: 'revision-gap',
          ...where,
          expected: expectedRevision.toString(),
          actual: where.revision,
        });
      }
      const actual = storedHash(event.metadata);
      const expected = eventHash(previous?.hash ?? GENESIS_HASH, event);
      if (actual === undefined) report({ kind: 'missing-hash', ...where, expected });
      else if (actual !== expected) report({ kind: 'hash-mismatch', ...where, expected, actual });
      links.set(event.streamName, { revision: event.revision, hash: actual ?? expected });
    },
    /** The first break of each broken stream, in the order they were met (log order). */
    breaks: (): ChainBreak[] => [...firstBreaks.values()],
    totals: () => ({ events: checked, streams: links.size, brokenLinks: breaks }),
  };
}

/** Reads the whole log once and checks every chain. */
export async function verifyChains(store: EventStore, pageSize = 2_000) {
  const checker = createChainChecker();
  for await (const event of readWholeLog(store, pageSize)) checker.check(event);
  return { breaks: checker.breaks(), ...checker.totals() };
}

/** Every event visible now, in log order, a page at a time (memory bounded by the page). */
export async function* readWholeLog(store: EventStore, pageSize = 2_000): AsyncGenerator<RecordedEvent> {
  let after: RecordedEvent['position'] | undefined;
  for (;;) {
    const page = await store.readAll({ ...(after ? { after } : {}), maxCount: pageSize });
    yield* page.events;
    if (page.isEnd || page.events.length === 0) return;
    after = page.next;
  }
}
