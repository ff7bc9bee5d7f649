import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore, SubscribeOptions, SubscriptionItem } from '../../infra/eventstore/port.ts';
import { comparePositions, type Position } from '../../infra/eventstore/position.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import { type ReadingAhead, readsAhead } from '../../infra/eventstore/read-ahead.ts';
import { createTestDatabase } from '../../test/support/isolation.ts';
import { createSharedRead } from './shared-read.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let store: EventStore;
/** Subscriptions the store opened, and the items it has yielded: what the shared read costs the log. */
let opened: SubscribeOptions[] = [];
let yielded = 0;

/** The store, counting what its subscriptions open and deliver (a decorator over the real store). */
function counted(inner: EventStore): EventStore {
  return {
    ...inner,
    appendToStream: (...args) => inner.appendToStream(...args),
    subscribeToAll(options) {
      opened.push(options ?? {});
      const source = inner.subscribeToAll(options);
      return {
        async *[Symbol.asyncIterator]() {
          for await (const item of source) {
            yielded += 1;
            yield item;
          }
        },
      };
    },
  };
}

const TYPES = ['A', 'B', 'C'] as const;

/** Until the first caught-up: the events' ids, then the marker's position. */
async function untilCaughtUp(items: AsyncIterable<SubscriptionItem>, onEvent?: () => Promise<void>) {
  const ids: string[] = [];
  for await (const item of items) {
    if (item.kind === 'caught-up') return { ids, position: item.position };
    ids.push(item.event.id);
    await onEvent?.();
  }
  throw new Error('ended before catching up');
}

/** What the store alone gives a subscription with these options. */
const direct = (options: SubscribeOptions) => untilCaughtUp(store.subscribeToAll(options));

let middle: Position;

beforeAll(async () => {
  database = await createTestDatabase('shared_read');
  const pg = await createPostgresEventStore({ connectionString: database.url, pollIntervalMs: 50 });
  store = counted(pg);
  for (let i = 0; i < 60; i += 1) {
    await pg.appendToStream(`thing-${i % 7}`, [
      { id: crypto.randomUUID(), type: TYPES[i % 3]!, data: { i } },
    ]);
  }
  const page = await pg.readAll({ maxCount: 30 });
  middle = page.next!;
});

afterAll(async () => {
  await store?.close();
  await database?.drop();
});

describe('createSharedRead', () => {
  it('reads the log once for all members, each getting exactly what its own subscription would', async () => {
    const wanted: SubscribeOptions[] = [
      { filter: { eventTypes: ['A'] } },
      { filter: { eventTypes: ['B', 'C'] }, after: middle },
      {},
    ];
    const expected = await Promise.all(wanted.map(direct));
    opened = [];
    yielded = 0;
    const shared = createSharedRead(store, wanted.length);
    const got = await Promise.all(
      wanted.map((options) => untilCaughtUp(shared.member().subscribeToAll(options))),
    );
    expect(got.map((g) => g.ids)).toEqual(expected.map((e) => e.ids));
    expect(got.map((g) => g.ids.length)).toEqual([20, 20, 60]);
    for (const [i, g] of got.entries())
      expect(comparePositions(g.position!, expected[i]!.position!), `member ${i}`).toBe(0);
    // One subscription from the first event, every type (one member asked for all).
    expect(opened).toHaveLength(1);
    expect(opened[0]).not.toHaveProperty('after');
    expect(opened[0]).not.toHaveProperty('filter');
  });

  it('reads the union of the types from the earliest start, and later subscriptions read on their own', async () => {
    opened = [];
    const shared = createSharedRead(store, 2);
    const a = shared.member();
    const b = shared.member();
    await Promise.all([
      untilCaughtUp(a.subscribeToAll({ filter: { eventTypes: ['A'] }, after: middle })),
      untilCaughtUp(b.subscribeToAll({ filter: { eventTypes: ['C'] }, after: middle })),
    ]);
    expect(opened).toHaveLength(1);
    expect(comparePositions(opened[0]!.after!, middle)).toBe(0);
    expect([...(opened[0]!.filter?.eventTypes ?? [])].sort()).toEqual(['A', 'C']);
    const again = await untilCaughtUp(a.subscribeToAll({ filter: { eventTypes: ['B'] } }));
    expect(again.ids).toEqual((await direct({ filter: { eventTypes: ['B'] } })).ids);
    expect(opened).toHaveLength(3); // the second read of a, then `direct`'s
  });

  it('waits for every member, starts when one leaves without subscribing', async () => {
    opened = [];
    const shared = createSharedRead(store, 2);
    const stays = shared.member();
    const leaves = shared.member();
    const reading = untilCaughtUp(stays.subscribeToAll({ filter: { eventTypes: ['A'] } }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(opened).toHaveLength(0);
    leaves.leave();
    expect((await reading).ids).toHaveLength(20);
    expect(opened).toHaveLength(1);
  });

  it('a member aborted before the read starts is left out; the others still read everything', async () => {
    const shared = createSharedRead(store, 2);
    const abort = new AbortController();
    const first = shared.member().subscribeToAll({ filter: { eventTypes: ['A'] }, signal: abort.signal });
    abort.abort();
    const second = await untilCaughtUp(shared.member().subscribeToAll({ filter: { eventTypes: ['B'] } }));
    expect(second.ids).toEqual((await direct({ filter: { eventTypes: ['B'] } })).ids);
    const items: SubscriptionItem[] = [];
    for await (const item of first) items.push(item);
    expect(items).toEqual([]);
  });

  it('holds the read to the slowest member, and a member that stops no longer holds it', async () => {
    yielded = 0;
    const depth = 5;
    const shared = createSharedRead(store, 2, depth);
    const slow = shared.member().subscribeToAll({});
    const quitting = shared.member().subscribeToAll({}) as ReadingAhead<SubscriptionItem>;
    const quitter = quitting[Symbol.asyncIterator]();
    let slowSeen = 0;
    // The quitter takes nothing for a while: the read stops about `depth` items ahead of it.
    const slowDone = untilCaughtUp(slow, async () => {
      slowSeen += 1;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(yielded).toBeLessThanOrEqual(depth + 1);
    expect(slowSeen).toBeLessThanOrEqual(depth + 1);
    // What the read holds for the quitter is its read-ahead: a follow over it adds no queue of its own.
    expect(quitting[readsAhead]()).toBe(depth);
    expect((await quitter.next()).done).toBe(false);
    await quitter.return?.(undefined);
    expect((await slowDone).ids).toHaveLength(60);
  });

  it('ends a member whose signal aborts while it waits', async () => {
    const shared = createSharedRead(store, 2);
    const abort = new AbortController();
    const waiting = shared
      .member()
      .subscribeToAll({ after: (await store.headPosition())!, signal: abort.signal });
    const other = untilCaughtUp(shared.member().subscribeToAll({}));
    const items: SubscriptionItem[] = [];
    const done = (async () => {
      for await (const item of waiting) items.push(item);
    })();
    expect((await other).ids).toHaveLength(60);
    while (items.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    abort.abort();
    await done;
    expect(items.map((item) => item.kind)).toEqual(['caught-up']);
  });
});
