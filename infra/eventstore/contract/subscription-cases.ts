import { describe, expect, it } from 'vitest';
import type {
  AppendResult,
  EventToAppend,
  ExpectedRevision,
  RecordedEvent,
  SubscriptionItem,
} from '../port.ts';
import { comparePositions } from '../position.ts';
import {
  type ContractFixture,
  collect,
  eventsOf,
  newEvent,
  newEvents,
  retryTransient,
  sleep,
  uniqueCategory,
  waitUntilVisible,
} from './fixture.ts';

const ids = (events: RecordedEvent[]) => events.map((e) => e.id);
const random = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

function expectStrictlyIncreasing(events: RecordedEvent[]) {
  for (let i = 1; i < events.length; i++)
    expect(comparePositions(events[i]!.position, events[i - 1]!.position), `event ${i}`).toBe(1);
}

/** Appends a batch and waits until the global log shows it, so a following subscription sees it in catch-up. */
async function appendVisible(fixture: ContractFixture, stream: string, events: EventToAppend[]) {
  const result = await fixture.store.appendToStream(stream, events);
  await waitUntilVisible(fixture.store, result.position);
  return result;
}

export function subscriptionCases(fixture: () => ContractFixture) {
  describe('subscribeToAll', () => {
    it('catches up, reports caught-up, then delivers live events in order', async () => {
      const category = uniqueCategory('sub');
      const filter = { streamPrefixes: [`${category}-`] };
      const before = newEvents(5);
      await appendVisible(fixture(), `${category}-1`, before.slice(0, 2));
      await appendVisible(fixture(), `${category}-2`, before.slice(2));
      const live = newEvents(3);
      let sentLive = false;
      const items = await collect(
        fixture().store,
        { filter },
        (all) => eventsOf(all).length === 8 && all.at(-1)?.kind === 'caught-up',
        30_000,
        async (item) => {
          if (item.kind === 'caught-up' && !sentLive) {
            sentLive = true;
            await fixture().store.appendToStream(`${category}-1`, live.slice(0, 1));
            await fixture().store.appendToStream(`${category}-3`, live.slice(1));
          }
        },
      );
      const events = eventsOf(items);
      expect(ids(events)).toEqual([...before, ...live].map((e) => e.id));
      expectStrictlyIncreasing(events);
      const firstCaughtUp = items.findIndex((i) => i.kind === 'caught-up');
      expect(firstCaughtUp).toBe(5);
      const caughtUp = items[firstCaughtUp] as Extract<SubscriptionItem, { kind: 'caught-up' }>;
      expect(comparePositions(caughtUp.position!, events[4]!.position)).toBeGreaterThanOrEqual(0);
    });

    it('resumes after a checkpoint: only events after that position', async () => {
      const category = uniqueCategory('sub');
      const filter = { streamPrefixes: [`${category}-`] };
      const events = newEvents(6);
      for (const [i, event] of events.entries())
        await appendVisible(fixture(), `${category}-${i % 2}`, [event]);
      const recorded = (await fixture().store.readAll({ filter })).events;
      expect(recorded).toHaveLength(6);
      const items = await collect(fixture().store, { filter, after: recorded[2]!.position }, (all) =>
        all.some((i) => i.kind === 'caught-up'),
      );
      expect(ids(eventsOf(items))).toEqual(events.slice(3).map((e) => e.id));
    });

    it('filters live events by type', async () => {
      const category = uniqueCategory('sub');
      const start = await fixture().store.headPosition();
      const wanted = [newEvent('Wanted'), newEvent('Wanted')];
      const collecting = collect(
        fixture().store,
        {
          ...(start ? { after: start } : {}),
          filter: { streamPrefixes: [`${category}-`], eventTypes: ['Wanted'] },
        },
        (all) => eventsOf(all).length === 2 && all.at(-1)?.kind === 'caught-up',
      );
      await fixture().store.appendToStream(`${category}-1`, [newEvent('Other'), wanted[0]!]);
      await fixture().store.appendToStream(`${category}-2`, [newEvent('Other')]);
      await fixture().store.appendToStream(`${category}-1`, [wanted[1]!]);
      expect(ids(eventsOf(await collecting))).toEqual(wanted.map((e) => e.id));
    });

    it('ends cleanly when its signal is aborted', async () => {
      const controller = new AbortController();
      const category = uniqueCategory('sub');
      const seen: SubscriptionItem[] = [];
      const started = Date.now();
      setTimeout(() => controller.abort(), 300);
      for await (const item of fixture().store.subscribeToAll({
        filter: { streamPrefixes: [`${category}-`] },
        signal: controller.signal,
      }))
        seen.push(item);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(seen.filter((i) => i.kind === 'event')).toHaveLength(0);
    });

    it('late commits: following 8 concurrent writers it sees every event exactly once, each stream in order', async () => {
      const { store, slowAppend } = fixture();
      const category = uniqueCategory('late');
      const start = await store.headPosition();
      const batches = Array.from({ length: 8 }, () =>
        Array.from({ length: 12 }, () => newEvents(random(1, 3), 'Written')),
      );
      const total = batches.flat(2).length;
      const collecting = collect(
        store,
        { ...(start ? { after: start } : {}), filter: { streamPrefixes: [`${category}-`] } },
        (all) => eventsOf(all).length >= total && all.at(-1)?.kind === 'caught-up',
        45_000,
      );
      await Promise.all(
        batches.map(async (writerBatches, writer) => {
          const stream = `${category}-${writer}`;
          let expected: ExpectedRevision = 'no_stream';
          for (const batch of writerBatches) {
            await sleep(random(0, 15));
            const result: AppendResult =
              slowAppend && Math.random() < 0.6
                ? await slowAppend(stream, batch, expected, random(5, 80))
                : await store.appendToStream(stream, batch, { expectedRevision: expected });
            expected = result.nextExpectedRevision;
          }
        }),
      );
      const events = eventsOf(await collecting);
      expect(new Set(ids(events)).size).toBe(events.length);
      expect(events).toHaveLength(total);
      expect(new Set(ids(events))).toEqual(new Set(batches.flat(2).map((e) => e.id)));
      expectStrictlyIncreasing(events);
      for (let writer = 0; writer < 8; writer++) {
        const revisions = events
          .filter((e) => e.streamName === `${category}-${writer}`)
          .map((e) => e.revision);
        expect(revisions).toEqual(revisions.map((_, i) => BigInt(i)));
        expect(ids(events.filter((e) => e.streamName === `${category}-${writer}`))).toEqual(
          batches[writer]!.flat().map((e) => e.id),
        );
      }
    });

    it('survives its connections being dropped: no event lost or repeated', async (ctx) => {
      const { store, dropConnections } = fixture();
      if (!dropConnections) return ctx.skip();
      const category = uniqueCategory('drop');
      const start = await store.headPosition();
      const first = newEvents(3);
      const second = newEvents(3);
      let dropped = false;
      const collecting = collect(
        store,
        { ...(start ? { after: start } : {}), filter: { streamPrefixes: [`${category}-`] } },
        (all) => eventsOf(all).length >= 6 && all.at(-1)?.kind === 'caught-up',
        45_000,
        async (item, all) => {
          if (item.kind === 'event' && eventsOf(all).length === 3 && !dropped) {
            dropped = true;
            await dropConnections();
            for (const event of second)
              await retryTransient(() => store.appendToStream(`${category}-2`, [event]));
          }
        },
      );
      for (const event of first) await store.appendToStream(`${category}-1`, [event]);
      const events = eventsOf(await collecting);
      expect(dropped).toBe(true);
      expect(ids(events)).toEqual([...first, ...second].map((e) => e.id));
      // The store still serves plain reads and appends afterwards.
      await retryTransient(() => store.appendToStream(`${category}-3`, [newEvent()]));
      expect(await retryTransient(() => store.readStream(`${category}-2`))).toHaveLength(3);
    });
  });
}
