import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/isolation.ts';
import { createPool } from '../../postgres/pool.ts';
import { collect, eventsOf, newEvent, uniqueCategory } from '../contract/fixture.ts';
import type { EventStore, ReadAllOptions } from '../port.ts';
import { LiveTail } from './live-tail.ts';
import { readAll } from './read.ts';
import { createPostgresEventStore } from './store.ts';
import { Wakeups } from './wakeups.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let writer: EventStore;
let subscriber: EventStore;
const pool = () => createPool({ connectionString: db.url, max: 4 });
let tailPool: ReturnType<typeof pool>;
let wakeups: Wakeups;

beforeAll(async () => {
  db = await createTestDatabase('live_tail');
  // Two stores on one database: the writer and the subscriber are two processes as far as hints go.
  writer = await createPostgresEventStore({ connectionString: db.url, poolSize: 8 });
  subscriber = await createPostgresEventStore({ connectionString: db.url, poolSize: 4, pollIntervalMs: 100 });
  tailPool = pool();
  wakeups = new Wakeups({
    clientConfig: { connectionString: db.url },
    sendNotify: async () => {},
    notifyDebounceMs: 20,
  });
});

afterAll(async () => {
  await wakeups?.close();
  await tailPool?.end();
  await subscriber?.close();
  await writer?.close();
  await db?.drop();
});

/** A tail over the test database whose reads are counted. */
function countedTail(pageSize = 100, maxEvents = 1_000) {
  const reads: ReadAllOptions[] = [];
  const tail = new LiveTail({
    readAll: (options) => {
      reads.push(options);
      return readAll(tailPool, options);
    },
    wakeups,
    pageSize,
    maxEvents,
  });
  return { tail, reads };
}

describe('the live tail', () => {
  it('serves every subscription that asks at once from one read, each its own types and its own copies', async () => {
    const category = uniqueCategory('tail');
    const head = await subscriber.headPosition();
    await writer.appendToStream(`${category}-1`, [
      newEvent('Ordered'),
      newEvent('Shipped'),
      newEvent('Ordered'),
    ]);
    await writer.appendToStream(`${category}-2`, [newEvent('Rated')]);
    const { tail, reads } = countedTail();

    const [ordered, all, shippedOrRated] = await Promise.all([
      tail.read(head, { eventTypes: ['Ordered'] }),
      tail.read(head, { streamPrefixes: [`${category}-`] }),
      tail.read(head, { eventTypes: ['Shipped', 'Rated'] }),
    ]);
    expect(reads).toHaveLength(1);
    expect(reads[0]!.filter).toBeUndefined();
    expect(ordered!.events.map((e) => e.type)).toEqual(['Ordered', 'Ordered']);
    expect(all!.events.map((e) => e.type)).toEqual(['Ordered', 'Shipped', 'Ordered', 'Rated']);
    expect(shippedOrRated!.events.map((e) => e.streamName)).toEqual([`${category}-1`, `${category}-2`]);
    expect(all!.isEnd).toBe(true);
    expect(all!.next).toEqual(all!.events.at(-1)!.position);

    // The layers above may change an event in place (decryption does): no other subscription sees that.
    ordered!.events[0]!.data.changed = true;
    ordered!.events[0]!.metadata.changed = true;
    expect(all!.events[0]!.id).toBe(ordered!.events[0]!.id);
    expect(all!.events[0]!.data.changed).toBeUndefined();
    expect(all!.events[0]!.metadata.changed).toBeUndefined();

    // No hint since that read: asking again reads nothing and finds nothing new.
    const again = await tail.read(all!.next, undefined);
    expect(again!.events).toEqual([]);
    expect(reads).toHaveLength(1);

    // After a hint, one more read, from where the tail ended, serves both a subscription at the end and
    // one still behind it (at an event in the middle of the first read).
    await writer.appendToStream(`${category}-3`, [newEvent('Shipped')]);
    wakeups.pollDue();
    const [atEnd, behind] = await Promise.all([
      tail.read(all!.next, { eventTypes: ['Shipped'] }),
      tail.read(shippedOrRated!.events[0]!.position, { eventTypes: ['Shipped'] }),
    ]);
    expect(reads).toHaveLength(2);
    expect(reads[1]!.after).toEqual(all!.next);
    expect(atEnd!.events.map((e) => e.streamName)).toEqual([`${category}-3`]);
    expect(behind!.events.map((e) => e.streamName)).toEqual([`${category}-3`]);
    expect(atEnd!.hintsSeen).toBe(wakeups.generation);
  });

  it('leaves a cursor outside what it holds to the subscription’s own read', async () => {
    const category = uniqueCategory('edge');
    const start = await subscriber.headPosition();
    const { tail, reads } = countedTail(2, 3);
    for (let i = 0; i < 4; i += 1) await writer.appendToStream(`${category}-${i}`, [newEvent('Ordered')]);
    const first = await tail.read(start, undefined);
    expect(first!.events).toHaveLength(2);
    expect(first!.isEnd).toBe(false);
    // Not at the end of the log yet: the next read follows without a hint.
    const second = await tail.read(first!.next, undefined);
    expect(reads).toHaveLength(2);
    expect(second!.events).toHaveLength(2);
    // It holds three events at most: the first read's two are gone, so a cursor at the start is not served …
    expect(await tail.read(start, undefined)).toBeUndefined();
    // … and neither is one past what it has read.
    const later = await writer.appendToStream(`${category}-x`, [newEvent('Ordered')]);
    expect(await tail.read(later.position, undefined)).toBeUndefined();
  });
});

describe('subscriptions through the live tail', () => {
  it('each gets exactly its events, in log order, while 8 writers append at once', async () => {
    const category = uniqueCategory('race');
    const types = ['Ordered', 'Shipped', 'Rated'];
    const filters = [
      { eventTypes: ['Ordered'] },
      { eventTypes: ['Shipped', 'Rated'] },
      { streamPrefixes: [`${category}-`] },
      { streamPrefixes: [`${category}-`], eventTypes: ['Rated'] },
    ];
    const perWriter = 30;
    const writers = 8;
    const start = await subscriber.headPosition();
    const expectedCount = (filter: (typeof filters)[number]) =>
      writers * perWriter * (filter.eventTypes ? filter.eventTypes.length / types.length : 1);
    const subscriptions = filters.map((filter) =>
      collect(
        subscriber,
        { ...(start ? { after: start } : {}), filter },
        (items) => eventsOf(items).length >= expectedCount(filter),
      ),
    );
    // Every subscription live before the writers start, so the tail serves them.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < perWriter; i += 1) {
          const type = types[i % types.length]!;
          await writer.appendToStream(`${category}-${w}-${i % 5}`, [newEvent(type, { w, i })]);
        }
      }),
    );
    const received = await Promise.all(subscriptions);
    for (const [i, filter] of filters.entries()) {
      const expected = (
        await subscriber.readAll({ ...(start ? { after: start } : {}), maxCount: 10_000, filter })
      ).events;
      expect(expected).toHaveLength(expectedCount(filter));
      expect(eventsOf(received[i]!).map((e) => e.id)).toEqual(expected.map((e) => e.id));
    }
  });
});
