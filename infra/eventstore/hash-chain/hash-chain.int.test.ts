import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allVisible } from '../../../application/audit/test-fixtures.ts';
import { createTestDatabase } from '../../../test/support/isolation.ts';
import type { EventStore } from '../port.ts';
import { createPostgresEventStore } from '../postgres/store.ts';
import { eventHash, GENESIS_HASH, storedHash } from './chain.ts';
import { verifyChains } from './verify-chain.ts';
import { withHashChain } from './with-hash-chain.ts';

const event = (n: number, extra: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  type: 'Counted',
  data: { schema_version: 1, n, nested: { b: 2, a: 1 }, ...extra },
  metadata: { correlation_id: `c-${n}`, user_id: 'usr_a' },
});

describe('withHashChain on the PostgreSQL store', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let raw: EventStore;
  let store: EventStore;
  let sql: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase('hash_chain');
    raw = await createPostgresEventStore({ connectionString: database.url, poolSize: 6 });
    store = withHashChain(raw);
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();
  });
  const verified = async () => {
    await allVisible(sql);
    return verifyChains(raw);
  };
  afterAll(async () => {
    await sql.end();
    await raw.close();
    await database.drop();
  });

  it('chains every event of a stream to the one before, across exact, no_stream and any appends', async () => {
    await store.appendToStream('counter-1', [event(0), event(1)], { expectedRevision: 'no_stream' });
    await store.appendToStream('counter-1', [event(2)], { expectedRevision: 1n });
    await store.appendToStream('counter-1', [event(3)]);
    await store.appendToStream('counter-1', [event(4)], { expectedRevision: 'stream_exists' });
    const events = await raw.readStream('counter-1');
    let previous = GENESIS_HASH;
    for (const e of events) {
      const expected = eventHash(previous, e);
      expect(storedHash(e.metadata)).toBe(expected);
      previous = expected;
    }
    expect(events).toHaveLength(5);
  });

  it('keeps the chain whole when many writers (and two processes with their own caches) race with any', async () => {
    const other = withHashChain(raw);
    await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        (i % 2 ? store : other).appendToStream('counter-race', [event(i)]),
      ),
    );
    // The second instance's cache is now stale for this stream; an exact append from the first still chains.
    const head = await raw.readStream('counter-race', { direction: 'backwards', maxCount: 1 });
    await other.appendToStream('counter-race', [event(99)], { expectedRevision: head[0]!.revision });
    const result = await verified();
    expect(result.breaks).toEqual([]);
    expect((await raw.readStream('counter-race')).length).toBe(17);
  });

  it('an idempotent retry with any appends nothing and keeps the chain', async () => {
    const once = [event(1), event(2)];
    await store.appendToStream('counter-retry', once);
    await store.appendToStream('counter-retry', once);
    expect((await raw.readStream('counter-retry')).length).toBe(2);
    expect((await verified()).breaks.filter((b) => b.stream === 'counter-retry')).toEqual([]);
  });

  it('verify passes on a clean store and names the event altered directly in PostgreSQL', async () => {
    await store.appendToStream('counter-t', [event(0), event(1), event(2)], {
      expectedRevision: 'no_stream',
    });
    expect((await verified()).breaks).toEqual([]);
    const [victim] = await raw.readStream('counter-t', { fromRevision: 1n, maxCount: 1 });
    await sql.query(`UPDATE messages SET data = jsonb_set(data::jsonb, '{n}', '42') WHERE event_id = $1`, [
      victim!.id,
    ]);
    const result = await verified();
    expect(result.breaks).toEqual([
      expect.objectContaining({
        kind: 'hash-mismatch',
        stream: 'counter-t',
        revision: '1',
        eventId: victim!.id,
      }),
    ]);
  });

  it('verify names an event written around the chain, and a removed event', async () => {
    await store.appendToStream('counter-g', [event(0), event(1)], { expectedRevision: 'no_stream' });
    const around = event(2);
    await raw.appendToStream('counter-g', [around], { expectedRevision: 1n });
    await store.appendToStream('counter-d', [event(0), event(1), event(2)], {
      expectedRevision: 'no_stream',
    });
    const [middle] = await raw.readStream('counter-d', { fromRevision: 1n, maxCount: 1 });
    await sql.query('DELETE FROM messages WHERE event_id = $1', [middle!.id]);
    const breaks = (await verified()).breaks;
    expect(breaks.filter((b) => b.stream === 'counter-g')).toEqual([
      expect.objectContaining({ kind: 'missing-hash', revision: '2', eventId: around.id }),
    ]);
    expect(breaks.filter((b) => b.stream === 'counter-d')).toEqual([
      expect.objectContaining({ kind: 'revision-gap', revision: '2', expected: '1' }),
    ]);
  });
});
