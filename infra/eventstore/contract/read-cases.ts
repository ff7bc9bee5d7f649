import { describe, expect, it } from 'vitest';
import { StreamNotFound } from '../errors.ts';
import type { EventToAppend, ReadAllOptions, RecordedEvent } from '../port.ts';
import { comparePositions, type Position } from '../position.ts';
import { type ContractFixture, newEvent, newEvents, uniqueCategory, waitUntilVisible } from './fixture.ts';

const ids = (events: RecordedEvent[]) => events.map((e) => e.id);

/** Reads the whole (filtered) log page by page and checks each page's `next`. */
async function readAllPaged(fixture: ContractFixture, options: ReadAllOptions, pageSize: number) {
  const out: RecordedEvent[] = [];
  let after = options.after;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = await fixture.store.readAll({ ...options, ...(after ? { after } : {}), maxCount: pageSize });
    expect(page.events.length).toBeLessThanOrEqual(pageSize);
    out.push(...page.events);
    if (page.events.length > 0)
      expect(comparePositions(page.next!, page.events.at(-1)!.position)).toBeGreaterThanOrEqual(0);
    if (page.isEnd) return out;
    after = page.next;
  }
  throw new Error('readAll never reached the end');
}

export function readCases(fixture: () => ContractFixture) {
  describe('readStream', () => {
    const setup = async () => {
      const stream = `${uniqueCategory('r')}-1`;
      const events = newEvents(10);
      await fixture().store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
      return { stream, events, store: fixture().store };
    };

    it('reads forwards, from a revision, with a max count; events carry what was appended', async () => {
      const { stream, events, store } = await setup();
      const all = await store.readStream(stream);
      expect(ids(all)).toEqual(events.map((e) => e.id));
      expect(all[3]).toMatchObject({
        streamName: stream,
        type: events[3]!.type,
        revision: 3n,
        data: events[3]!.data,
        metadata: events[3]!.metadata,
      });
      expect(all[3]!.recordedAt).toBeInstanceOf(Date);
      expect((await store.readStream(stream, { fromRevision: 4n })).map((e) => e.revision)).toEqual([
        4n,
        5n,
        6n,
        7n,
        8n,
        9n,
      ]);
      expect(
        (await store.readStream(stream, { fromRevision: 4n, maxCount: 2 })).map((e) => e.revision),
      ).toEqual([4n, 5n]);
      expect(await store.readStream(stream, { fromRevision: 10n })).toEqual([]);
    });

    it('reads backwards from the end or from a revision', async () => {
      const { stream, store } = await setup();
      expect(
        (await store.readStream(stream, { direction: 'backwards', maxCount: 3 })).map((e) => e.revision),
      ).toEqual([9n, 8n, 7n]);
      expect(
        (await store.readStream(stream, { direction: 'backwards', fromRevision: 2n })).map((e) => e.revision),
      ).toEqual([2n, 1n, 0n]);
      expect(
        (await store.readStream(stream, { direction: 'backwards', fromRevision: 5n, maxCount: 2 })).map(
          (e) => e.revision,
        ),
      ).toEqual([5n, 4n]);
    });

    it('positions within a stream increase with the revision', async () => {
      const { stream, store } = await setup();
      const all = await store.readStream(stream);
      for (let i = 1; i < all.length; i++)
        expect(comparePositions(all[i]!.position, all[i - 1]!.position)).toBe(1);
    });

    it('a stream without events is not found', async () => {
      const { store } = fixture();
      const stream = `${uniqueCategory('r')}-missing`;
      await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFound);
      await expect(store.readStream(stream, { direction: 'backwards' })).rejects.toMatchObject({ stream });
    });
  });

  describe('readAll', () => {
    /** Interleaves appends across three streams of one category, each append its own transaction. */
    const setup = async () => {
      const category = uniqueCategory('all');
      const appended: EventToAppend[] = [];
      let last: Position | undefined;
      for (let i = 0; i < 12; i++) {
        const type = i % 3 === 0 ? 'Special' : 'Ordinary';
        const batch = i % 4 === 0 ? [newEvent(type), newEvent(type)] : [newEvent(type)];
        last = (await fixture().store.appendToStream(`${category}-${i % 3}`, batch)).position;
        appended.push(...batch);
      }
      await waitUntilVisible(fixture().store, last!);
      return { category, appended, store: fixture().store };
    };

    it('returns the log in append order, page by page, with next and isEnd', async () => {
      const { category, appended } = await setup();
      const filter = { streamPrefixes: [`${category}-`] };
      const whole = await fixture().store.readAll({ filter, maxCount: 1000 });
      expect(whole.isEnd).toBe(true);
      expect(ids(whole.events)).toEqual(appended.map((e) => e.id));
      for (let i = 1; i < whole.events.length; i++)
        expect(comparePositions(whole.events[i]!.position, whole.events[i - 1]!.position)).toBe(1);
      for (const pageSize of [1, 3, 5]) {
        expect(ids(await readAllPaged(fixture(), { filter }, pageSize))).toEqual(appended.map((e) => e.id));
      }
    });

    it('after a position returns only later events', async () => {
      const { category, appended } = await setup();
      const filter = { streamPrefixes: [`${category}-`] };
      const whole = await fixture().store.readAll({ filter });
      const page = await fixture().store.readAll({ filter, after: whole.events[6]!.position });
      expect(ids(page.events)).toEqual(appended.slice(7).map((e) => e.id));
    });

    it('filters by stream prefix and by event type', async () => {
      const { category, appended } = await setup();
      const stream1 = await fixture().store.readAll({ filter: { streamPrefixes: [`${category}-1`] } });
      expect(stream1.events.every((e) => e.streamName === `${category}-1`)).toBe(true);
      expect(stream1.events).toHaveLength((await fixture().store.readStream(`${category}-1`)).length);
      const special = await fixture().store.readAll({
        filter: { streamPrefixes: [`${category}-`], eventTypes: ['Special'] },
      });
      expect(ids(special.events)).toEqual(appended.filter((e) => e.type === 'Special').map((e) => e.id));
      const twoPrefixes = await fixture().store.readAll({
        filter: { streamPrefixes: [`${category}-0`, `${category}-2`] },
      });
      expect(twoPrefixes.events.map((e) => e.streamName).every((s) => !s.endsWith('-1'))).toBe(true);
      expect(
        ids(
          await readAllPaged(
            fixture(),
            { filter: { streamPrefixes: [`${category}-`], eventTypes: ['Special'] } },
            2,
          ),
        ),
      ).toEqual(ids(special.events));
    });

    it('headPosition is at or after the last appended event', async () => {
      const { category } = await setup();
      const last = await fixture().store.appendToStream(`${category}-9`, [newEvent()]);
      await waitUntilVisible(fixture().store, last.position);
      const head = await fixture().store.headPosition();
      expect(head).toBeDefined();
      expect(comparePositions(head!, last.position)).toBeGreaterThanOrEqual(0);
    });
  });
}
