import { describe, expect, it } from 'vitest';
import { VersionConflict } from '../errors.ts';
import type { ExpectedRevision } from '../port.ts';
import { comparePositions, type Position } from '../position.ts';
import {
  type ContractFixture,
  conflictOf,
  newEvent,
  newEvents,
  uniqueCategory,
  waitUntilVisible,
} from './fixture.ts';

const revisionsOf = async (fixture: ContractFixture, stream: string) =>
  (await fixture.store.readStream(stream)).map((e) => e.revision);

export function appendCases(fixture: () => ContractFixture) {
  describe('appendToStream: expected revision', () => {
    it('no_stream creates a stream; revisions are 0-based and the result names the last one', async () => {
      const { store } = fixture();
      const stream = `${uniqueCategory('a')}-1`;
      const result = await store.appendToStream(stream, newEvents(3), { expectedRevision: 'no_stream' });
      expect(result.nextExpectedRevision).toBe(2n);
      const read = await store.readStream(stream);
      expect(read.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
      expect(comparePositions(result.position, read[2]!.position)).toBe(0);
    });

    it('no_stream on an existing stream conflicts with the actual revision', async () => {
      const { store } = fixture();
      const stream = `${uniqueCategory('a')}-1`;
      await store.appendToStream(stream, newEvents(2), { expectedRevision: 'no_stream' });
      const conflict = await conflictOf(
        store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' }),
      );
      expect(conflict).toMatchObject({ stream, expected: 'no_stream', actual: 1n });
      expect(await revisionsOf(fixture(), stream)).toEqual([0n, 1n]);
    });

    it('stream_exists appends to an existing stream and conflicts on a missing one', async () => {
      const { store } = fixture();
      const stream = `${uniqueCategory('a')}-1`;
      const missing = await conflictOf(
        store.appendToStream(stream, [newEvent()], { expectedRevision: 'stream_exists' }),
      );
      expect(missing).toMatchObject({ stream, expected: 'stream_exists', actual: undefined });
      await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' });
      const result = await store.appendToStream(stream, newEvents(2), { expectedRevision: 'stream_exists' });
      expect(result.nextExpectedRevision).toBe(2n);
    });

    it('any appends whether or not the stream exists (and is the default)', async () => {
      const { store } = fixture();
      const stream = `${uniqueCategory('a')}-1`;
      expect(
        (await store.appendToStream(stream, [newEvent()], { expectedRevision: 'any' })).nextExpectedRevision,
      ).toBe(0n);
      expect(
        (await store.appendToStream(stream, newEvents(2), { expectedRevision: 'any' })).nextExpectedRevision,
      ).toBe(2n);
      expect((await store.appendToStream(stream, [newEvent()])).nextExpectedRevision).toBe(3n);
      expect(await revisionsOf(fixture(), stream)).toEqual([0n, 1n, 2n, 3n]);
    });

    it('an exact revision appends when it is the current one and conflicts otherwise', async () => {
      const { store } = fixture();
      const stream = `${uniqueCategory('a')}-1`;
      const onMissing = await conflictOf(
        store.appendToStream(stream, [newEvent()], { expectedRevision: 0n }),
      );
      expect(onMissing).toMatchObject({ stream, expected: 0n, actual: undefined });
      await store.appendToStream(stream, newEvents(2), { expectedRevision: 'no_stream' });
      const ok = await store.appendToStream(stream, [newEvent()], { expectedRevision: 1n });
      expect(ok.nextExpectedRevision).toBe(2n);
      for (const stale of [0n, 1n, 3n, 10n] as const) {
        const conflict = await conflictOf(
          store.appendToStream(stream, [newEvent()], { expectedRevision: stale }),
        );
        expect(conflict).toBeInstanceOf(VersionConflict);
        expect(conflict).toMatchObject({ stream, expected: stale, actual: 2n });
      }
      expect(await revisionsOf(fixture(), stream)).toEqual([0n, 1n, 2n]);
    });

    it('positions of successive appends increase', async () => {
      const { store } = fixture();
      const stream = `${uniqueCategory('a')}-1`;
      let previous = (await store.appendToStream(stream, [newEvent()])).position;
      for (let i = 0; i < 5; i++) {
        const next = (await store.appendToStream(`${stream}x${i}`, newEvents(2))).position;
        expect(comparePositions(next, previous)).toBe(1);
        previous = next;
      }
    });
  });

  describe('appendToStream: concurrency', () => {
    it('16 writers racing on one stream at the same revision: exactly one wins each round', async () => {
      const { store } = fixture();
      const stream = `${uniqueCategory('race')}-1`;
      const rounds = 6;
      let expected: ExpectedRevision = 'no_stream';
      for (let round = 0; round < rounds; round++) {
        const attempts = Array.from({ length: 16 }, () => newEvent('Raced', { round }));
        const outcomes = await Promise.allSettled(
          attempts.map((event) => store.appendToStream(stream, [event], { expectedRevision: expected })),
        );
        const winners = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
        expect(winners, `round ${round}`).toHaveLength(1);
        for (const outcome of outcomes) {
          if (outcome.status === 'fulfilled') {
            expect(outcome.value.nextExpectedRevision).toBe(BigInt(round));
            continue;
          }
          expect(outcome.reason).toBeInstanceOf(VersionConflict);
          expect(outcome.reason).toMatchObject({ stream, expected, actual: BigInt(round) });
        }
        const read = await store.readStream(stream);
        expect(read).toHaveLength(round + 1);
        expect(read.at(-1)!.id).toBe(attempts[winners[0]!]!.id);
        expected = BigInt(round);
      }
    });
    it("concurrent 'any' appends to one stream: the global log keeps the stream's revision order", async () => {
      const { store } = fixture();
      const category = uniqueCategory('anyorder');
      const stream = `${category}-1`;
      let last: Position | undefined;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (let i = 0; i < 15; i++) {
            const { position } = await store.appendToStream(stream, [newEvent()], {
              expectedRevision: 'any',
            });
            if (!last || comparePositions(position, last) > 0) last = position;
          }
        }),
      );
      await waitUntilVisible(store, last!);
      const all = await store.readAll({ filter: { streamPrefixes: [`${category}-`] }, maxCount: 1000 });
      expect(all.events.map((e) => e.revision)).toEqual(all.events.map((_, i) => BigInt(i)));
      expect(all.events).toHaveLength(16 * 15);
    });
  });

  describe('appendToStream: idempotent retry', () => {
    for (const kind of ['exact', 'no_stream', 'any', 'stream_exists'] as const) {
      it(`appending the same events again with ${kind} returns the original result without duplicating`, async () => {
        const { store } = fixture();
        const stream = `${uniqueCategory('idem')}-1`;
        if (kind !== 'no_stream')
          await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' });
        const expected: ExpectedRevision = kind === 'exact' ? 0n : kind;
        const events = newEvents(3);
        const first = await store.appendToStream(stream, events, { expectedRevision: expected });
        const again = await store.appendToStream(stream, events, { expectedRevision: expected });
        expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect(comparePositions(again.position, first.position)).toBe(0);
        const read = await store.readStream(stream);
        expect(read.map((e) => e.id).filter((id) => events.some((e) => e.id === id))).toEqual(
          events.map((e) => e.id),
        );
        expect(read).toHaveLength(kind === 'no_stream' ? 3 : 4);
      });
    }

    it('a retry after others appended still returns the original result', async () => {
      const { store } = fixture();
      const stream = `${uniqueCategory('idem')}-1`;
      const events = newEvents(2);
      const first = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
      await store.appendToStream(stream, newEvents(2), { expectedRevision: 1n });
      const again = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
      expect(again).toEqual(first);
      expect(await revisionsOf(fixture(), stream)).toEqual([0n, 1n, 2n, 3n]);
    });

    for (const expected of [0n, 'any'] as const) {
      it(`the same append sent 8 times at once (${expected}) is written once; every sender gets the same result`, async () => {
        const { store } = fixture();
        const stream = `${uniqueCategory('idem')}-1`;
        await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' });
        const events = newEvents(2);
        const results = await Promise.all(
          Array.from({ length: 8 }, () =>
            store.appendToStream(stream, events, { expectedRevision: expected }),
          ),
        );
        for (const result of results) expect(result).toEqual(results[0]);
        expect(await revisionsOf(fixture(), stream)).toEqual([0n, 1n, 2n]);
      });
    }

    it('a different event at the same revision is a conflict, not a retry', async () => {
      const { store } = fixture();
      const stream = `${uniqueCategory('idem')}-1`;
      await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' });
      const conflict = await conflictOf(
        store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' }),
      );
      expect(conflict.actual).toBe(0n);
    });
  });
}
