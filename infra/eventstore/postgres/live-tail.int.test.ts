import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/isolation.ts';
import { createPool } from '../../postgres/pool.ts';
import { collect, eventsOf, newEvent, sleep, uniqueCategory } from '../contract/fixture.ts';
import type { EventStore, ReadAllOptions, RecordedEvent } from '../port.ts';
import { LiveTail } from './live-tail.ts';
import { readAll } from './read.ts';
import { createPostgresEventStore } from './store.ts';
import { subscribe } from './subscription.ts';
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

  it('leaves a cursor behind it to the subscription’s own read, and moves on to one ahead of it', async () => {
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
    // It holds three events at most: the first read's two are gone, so a cursor at the start is not served.
    expect(await tail.read(start, undefined)).toBeUndefined();
    expect(reads).toHaveLength(2);
    // A cursor just past its end (a subscription that read on by itself): the tail reads on from its end.
    const next = await writer.appendToStream(`${category}-x`, [newEvent('Ordered')]);
    const caughtUp = await tail.read(next.position, undefined);
    expect(reads).toHaveLength(3);
    expect(reads[2]!.after).toEqual(second!.next);
    expect(caughtUp).toMatchObject({ events: [], next: next.position, isEnd: true });
    // A cursor more than a page past it: one read on, then the tail starts over at that cursor.
    for (let i = 0; i < 3; i += 1) await writer.appendToStream(`${category}-y${i}`, [newEvent('Ordered')]);
    const far = (await writer.appendToStream(`${category}-z`, [newEvent('Ordered')])).position;
    expect((await tail.read(far, undefined))!.events).toEqual([]);
    expect(reads.slice(3).map((r) => r.after)).toEqual([next.position, far]);
    // A subscription far back within what it holds gets one page at a time.
    const late = await writer.appendToStream(`${category}-w`, [
      newEvent('Ordered'),
      newEvent('Shipped'),
      newEvent('Rated'),
    ]);
    wakeups.pollDue();
    const page = await tail.read(far, { eventTypes: ['Ordered', 'Rated'] });
    expect(page!.events.map((e) => e.type)).toEqual(['Ordered']);
    expect(page!.isEnd).toBe(false);
    const rest = await tail.read(page!.next, { eventTypes: ['Ordered', 'Rated'] });
    expect(rest!.events.map((e) => e.type)).toEqual(['Rated']);
    expect(rest!.next).toEqual(late.position);
    // Asked again from further back, it hands out one page of the log at a time, and a filtered page ends
    // where the scan stopped, past the events the filter left out.
    const again = await tail.read(far, undefined);
    expect(again!.events.map((e) => e.type)).toEqual(['Ordered', 'Shipped']);
    expect(again).toMatchObject({ next: again!.events[1]!.position, isEnd: false });
    const filtered = await tail.read(far, { eventTypes: ['Ordered'] });
    expect(filtered!.events.map((e) => e.type)).toEqual(['Ordered']);
    expect(filtered!.next).toEqual(again!.events[1]!.position);
  });
});

describe('subscriptions through the live tail', () => {
  it('stay on the tail through a burst longer than a page and after it, reading nothing on their own', async () => {
    const category = uniqueCategory('burst');
    const start = await subscriber.headPosition();
    const ownReads: ReadAllOptions[] = [];
    const { tail, reads: tailReads } = countedTail(10, 40);
    const closed = new AbortController();
    const deps = {
      readAll: (options: ReadAllOptions) => {
        ownReads.push(options);
        return readAll(tailPool, options);
      },
      wakeups,
      pageSize: 10,
      pollIntervalMs: 100,
      closed: closed.signal,
      tail,
    };
    const filters = [
      { eventTypes: ['Burst'] },
      { streamPrefixes: [`${category}-`] },
      { eventTypes: ['Burst', 'Other'] },
    ];
    const received = filters.map(() => ({ events: [] as RecordedEvent[], caughtUp: 0 }));
    const running = filters.map(async (filter, i) => {
      for await (const item of subscribe(deps, { ...(start ? { after: start } : {}), filter })) {
        if (item.kind === 'event') received[i]!.events.push(item.event);
        else received[i]!.caughtUp += 1;
      }
    });
    const until = async (done: () => boolean) => {
      for (const deadline = Date.now() + 10_000; !done(); await sleep(10))
        if (Date.now() > deadline) throw new Error('subscriptions did not get there in 10 s');
    };
    try {
      await until(() => received.every((r) => r.caughtUp > 0));
      // Live from here: every page comes from the tail, the burst's three included.
      const [own, shared] = [ownReads.length, tailReads.length];
      await writer.appendToStream(
        `${category}-burst`,
        Array.from({ length: 25 }, (_, n) => newEvent('Burst', { n })),
      );
      await until(() => received.every((r) => r.events.length === 25));
      for (let n = 0; n < 5; n += 1) {
        await writer.appendToStream(`${category}-after-${n}`, [newEvent('Burst', { n })]);
        await until(() => received.every((r) => r.events.length === 26 + n));
      }
      expect(ownReads.length).toBe(own);
      expect(tailReads.length).toBeGreaterThan(shared);
      const expected = (
        await subscriber.readAll({ ...(start ? { after: start } : {}), maxCount: 100 })
      ).events
        .filter((e) => e.streamName.startsWith(`${category}-`))
        .map((e) => e.id);
      expect(expected).toHaveLength(30);
      for (const r of received) expect(r.events.map((e) => e.id)).toEqual(expected);
    } finally {
      closed.abort();
      await Promise.all(running);
    }
  });

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
