import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/isolation.ts';
import { createPool } from '../../postgres/pool.ts';
import { newEvent, newEvents, uniqueCategory } from '../contract/fixture.ts';
import { VersionConflict } from '../errors.ts';
import type { AppendResult, EventStore, ExpectedRevision } from '../port.ts';
import { appendBatch } from './append.ts';
import { createPostgresEventStore } from './store.ts';

describe('PostgreSQL group commit', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  let store: EventStore;

  beforeAll(async () => {
    db = await createTestDatabase('es_group');
    pool = createPool({ connectionString: db.url, max: 5 });
    store = await createPostgresEventStore({ pool, pollIntervalMs: 50 });
  });
  afterAll(async () => {
    await store.close();
    await pool.end();
    await db.drop();
  });

  const revisions = async (stream: string) =>
    (await store.readStream(stream).catch(() => [])).map((e) => e.revision);

  it('one batch, many streams: each append gets its own outcome; a conflict or a bad event fails only itself', async () => {
    const category = uniqueCategory('batch');
    await store.appendToStream(`${category}-a`, newEvents(2), { expectedRevision: 'no_stream' });
    await store.appendToStream(`${category}-b`, [newEvent()], { expectedRevision: 'no_stream' });
    const taken = newEvent();
    await store.appendToStream(`${category}-c`, [taken], { expectedRevision: 'no_stream' });
    const bad = { ...newEvent(), data: { amount: 1n } as Record<string, unknown> };
    const outcomes = await appendBatch(pool, [
      { stream: `${category}-a`, events: newEvents(3), expected: 1n }, // right
      { stream: `${category}-b`, events: newEvents(3), expected: 5n }, // wrong: none of its 3 events
      { stream: `${category}-new`, events: [newEvent()], expected: 'no_stream' }, // right
      { stream: `${category}-c`, events: [newEvent(), taken], expected: 0n }, // an id stored elsewhere
      { stream: `${category}-b`, events: [newEvent(), bad], expected: 0n }, // not JSON
      { stream: `${category}-b`, events: [newEvent()], expected: 'no_stream' }, // wrong
      { stream: `${category}-b`, events: [newEvent()], expected: 'stream_exists' }, // right
    ]);
    const [a, b, fresh, c, notJson, noStream, exists] = outcomes;
    expect(a).toMatchObject({ nextExpectedRevision: 4n });
    expect(b).toBeInstanceOf(VersionConflict);
    expect((b as VersionConflict).actual).toBe(0n);
    expect(fresh).toMatchObject({ nextExpectedRevision: 0n });
    expect(c).toBeInstanceOf(Error);
    expect(c).not.toBeInstanceOf(VersionConflict);
    expect((notJson as Error).message).toMatch(/not JSON/);
    expect(noStream).toBeInstanceOf(VersionConflict);
    expect(exists).toMatchObject({ nextExpectedRevision: 1n });
    // One transaction for every append written.
    const commits = new Set([a, fresh, exists].map((r) => (r as AppendResult).position.commit));
    expect(commits.size).toBe(1);
    expect(await revisions(`${category}-a`)).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(await revisions(`${category}-b`)).toEqual([0n, 1n]);
    expect(await revisions(`${category}-c`)).toEqual([0n]);
    expect(await revisions(`${category}-new`)).toEqual([0n]);
  });

  it('appends to one stream in one batch resolve in order, each against what the earlier ones wrote', async () => {
    const stream = `${uniqueCategory('order')}-1`;
    const first = newEvents(2);
    const outcomes = await appendBatch(pool, [
      { stream, events: first, expected: 'no_stream' },
      { stream, events: [newEvent()], expected: 1n },
      { stream, events: [newEvent()], expected: 1n }, // lost to the one before it
      { stream, events: first, expected: 'no_stream' }, // a retry of the first: its original result
      { stream, events: [newEvent()], expected: 'any' },
      { stream, events: [newEvent()], expected: 2n }, // the 'any' moved the stream on
    ]);
    expect(outcomes[0]).toMatchObject({ nextExpectedRevision: 1n });
    expect(outcomes[1]).toMatchObject({ nextExpectedRevision: 2n });
    expect((outcomes[2] as VersionConflict).actual).toBe(2n);
    expect(outcomes[3]).toEqual(outcomes[0]);
    expect(outcomes[4]).toMatchObject({ nextExpectedRevision: 3n });
    expect((outcomes[5] as VersionConflict).actual).toBe(3n);
    const read = await store.readStream(stream);
    expect(read.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);
    expect(read.slice(0, 2).map((e) => e.id)).toEqual(first.map((e) => e.id));
    // Global order is revision order within the stream.
    const positions = read.map((e) => e.position.prepare);
    expect([...positions].sort((x, y) => (x < y ? -1 : 1))).toEqual(positions);
  });

  it('N concurrent appends through the store, right and wrong revisions mixed: each caller gets exactly its own outcome', async () => {
    const category = uniqueCategory('mixed');
    const n = 60;
    for (let i = 0; i < n; i++)
      await store.appendToStream(`${category}-${i}`, [newEvent()], { expectedRevision: 'no_stream' });
    const wrong = (i: number) => i % 3 === 1;
    const expectedFor = (i: number): ExpectedRevision => (wrong(i) ? (i % 2 === 0 ? 7n : 'no_stream') : 0n);
    const sent = Array.from({ length: n }, (_, i) => newEvents(1 + (i % 3)));
    const settled = await Promise.allSettled(
      sent.map((events, i) =>
        store.appendToStream(`${category}-${i}`, events, { expectedRevision: expectedFor(i) }),
      ),
    );
    const commits = new Set<bigint>();
    for (let i = 0; i < n; i++) {
      const outcome = settled[i]!;
      const read = await store.readStream(`${category}-${i}`);
      if (wrong(i)) {
        expect(outcome.status).toBe('rejected');
        const reason = (outcome as PromiseRejectedResult).reason as VersionConflict;
        expect(reason).toBeInstanceOf(VersionConflict);
        expect(reason.stream).toBe(`${category}-${i}`);
        expect(reason.actual).toBe(0n);
        expect(read).toHaveLength(1); // nothing of it appended
      } else {
        expect(outcome.status).toBe('fulfilled');
        const result = (outcome as PromiseFulfilledResult<AppendResult>).value;
        expect(result.nextExpectedRevision).toBe(BigInt(sent[i]!.length));
        expect(read.slice(1).map((e) => e.id)).toEqual(sent[i]!.map((e) => e.id));
        expect(read.at(-1)!.position).toEqual(result.position);
        commits.add(result.position.commit);
      }
    }
    // They were joined: fewer transactions than appends written.
    expect(commits.size).toBeLessThan(n - n / 3);
  });

  it('concurrent appends racing on one stream at the same revision: one wins, the rest conflict, nothing else appended', async () => {
    const stream = `${uniqueCategory('race')}-1`;
    await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' });
    const settled = await Promise.allSettled(
      Array.from({ length: 20 }, () => store.appendToStream(stream, newEvents(2), { expectedRevision: 0n })),
    );
    const won = settled.filter((s) => s.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const lost of settled.filter((s) => s.status === 'rejected'))
      expect((lost as PromiseRejectedResult).reason).toBeInstanceOf(VersionConflict);
    expect(await revisions(stream)).toEqual([0n, 1n, 2n]);
  });
});
