import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/support/isolation.ts';
import { createPool } from '../../postgres/pool.ts';
import { collect, eventsOf, newEvent, sleep, uniqueCategory } from '../contract/fixture.ts';
import type { EventStore, EventToAppend } from '../port.ts';
import { comparePositions } from '../position.ts';
import { createPostgresEventStore } from './store.ts';

/**
 * docs/read-horizon.md: a transaction held open elsewhere on the server (another database, or this one
 * without appending) must not hold subscribers back, and nothing may be skipped meanwhile.
 */
describe('PostgreSQL read horizon', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let other: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  let store: EventStore;
  // A second store on the same database: another process appending (its subscribers learn by NOTIFY).
  let writer: EventStore;

  beforeAll(async () => {
    db = await createTestDatabase('es_horizon');
    other = await createTestDatabase('es_horizon_other');
    pool = createPool({ connectionString: db.url, max: 4 });
    // A poll interval far beyond the test: delivery before the long transaction ends is by the hint alone.
    store = await createPostgresEventStore({ pool, pollIntervalMs: 600_000 });
    writer = await createPostgresEventStore({ connectionString: db.url, poolSize: 4, migrate: false });
  });
  afterAll(async () => {
    await writer.close();
    await store.close();
    await pool.end();
    await db.drop();
    await other.drop();
  });

  /** Opens a transaction that has a transaction id (it wrote), as a long report or migration would. */
  async function openTransaction(url: string) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('BEGIN');
    const { rows } = await client.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
    return {
      xid: BigInt(rows[0]!.xid),
      async close() {
        await client.query('ROLLBACK');
        await client.end();
      },
    };
  }

  it('subscribers keep receiving while another database (and this one) holds a transaction open; nothing is skipped', async () => {
    const category = uniqueCategory('horizon');
    const start = await store.headPosition();
    const elsewhere = await openTransaction(other.url);
    const here = await openTransaction(db.url);
    try {
      // The old horizon (the oldest running transaction on the server) now stands at or before both.
      const { rows } = await pool.query<{ xmin: string }>(
        'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin',
      );
      expect(BigInt(rows[0]!.xmin) <= elsewhere.xid).toBe(true);

      const sent: EventToAppend[] = [];
      const writers = Array.from({ length: 4 }, (_, w) => w);
      const rounds = 10;
      const total = writers.length * rounds;
      const collecting = collect(
        store,
        { ...(start ? { after: start } : {}), filter: { streamPrefixes: [`${category}-`] } },
        (items) => eventsOf(items).length >= total,
        30_000,
      );
      // Commands keep flowing, through both stores, concurrently (so group commits form).
      await Promise.all(
        writers.map(async (w) => {
          for (let r = 0; r < rounds; r++) {
            const event = newEvent('Flowing', { w, r });
            sent.push(event);
            await (w % 2 === 0 ? store : writer).appendToStream(`${category}-${w}`, [event], {
              expectedRevision: r === 0 ? 'no_stream' : BigInt(r - 1),
            });
            await sleep(5);
          }
        }),
      );
      // Delivered while both transactions are still open (they close in `finally`): the subscription
      // did not wait for them, or `collect` would have timed out.
      const items = await collecting;
      const events = eventsOf(items);
      expect(new Set(events.map((e) => e.id))).toEqual(new Set(sent.map((e) => e.id)));
      expect(events).toHaveLength(total);
      for (let i = 1; i < events.length; i++)
        expect(comparePositions(events[i - 1]!.position, events[i]!.position)).toBe(-1);
      for (const w of writers)
        expect(events.filter((e) => e.streamName === `${category}-${w}`).map((e) => e.revision)).toEqual(
          Array.from({ length: rounds }, (_, r) => BigInt(r)),
        );
    } finally {
      await here.close();
      await elsewhere.close();
    }
  });
});
