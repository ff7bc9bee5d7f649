import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUrl, createTestDatabase } from '../../../test/support/isolation.ts';
import { createPool } from '../../postgres/pool.ts';
import {
  collect,
  eventsOf,
  newEvent,
  retryTransient,
  sleep,
  uniqueCategory,
  waitUntilVisible,
} from '../contract/fixture.ts';
import { eventStoreContract } from '../contract-suite.ts';
import { StreamNotFound } from '../errors.ts';
import type { EventStore, EventToAppend, ExpectedRevision } from '../port.ts';
import { comparePositions } from '../position.ts';
import { appendEvents } from './append.ts';
import { readAllStatement, readStream } from './read.ts';
import { migrateEventStore } from './schema.ts';
import { createPostgresEventStore } from './store.ts';
import { CHANNEL } from './wakeups.ts';

/** Ends every session of the database except the caller's: what a server restart or a network cut does. */
async function terminateSessions(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
  } finally {
    await client.end();
  }
}

eventStoreContract('PostgreSQL', async () => {
  const db = await createTestDatabase('es_contract');
  const store = await createPostgresEventStore({ connectionString: db.url, pollIntervalMs: 100 });
  // Writers that hold their transaction open after writing, so their events commit late.
  const slowPool = createPool({ connectionString: db.url, max: 8 });
  return {
    store,
    dropConnections: () => terminateSessions(db.url),
    async slowAppend(stream: string, events: EventToAppend[], expected: ExpectedRevision, holdMs: number) {
      const client = await slowPool.connect();
      try {
        await client.query('BEGIN');
        const result = await appendEvents(client, stream, events, expected);
        await sleep(holdMs);
        await client.query('COMMIT');
        await client.query(`NOTIFY ${CHANNEL}`);
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async teardown() {
      await store.close();
      await slowPool.end();
      await db.drop();
    },
  };
});

describe('PostgreSQL event store specifics', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  let store: EventStore;

  beforeAll(async () => {
    db = await createTestDatabase('es_pg');
    pool = createPool({ connectionString: db.url, max: 5 });
    store = await createPostgresEventStore({ pool, pollIntervalMs: 50 });
  });
  afterAll(async () => {
    await store.close();
    await pool.end();
    await db.drop();
  });

  it('a late commit is never skipped: an append waits for the open one before it, so even a naive reader skips nothing', async () => {
    const category = uniqueCategory('naive');
    const start = await store.headPosition();
    const subscribed = collect(
      store,
      { ...(start ? { after: start } : {}), filter: { streamPrefixes: [`${category}-`] } },
      (items) => eventsOf(items).length >= 2,
    );
    let naiveLast = 0n;
    const naiveRead = async () => {
      const { rows } = await pool.query<{ event_id: string; global_position: string }>(
        `SELECT event_id, global_position FROM messages
          WHERE global_position > $1 AND starts_with(stream_name, $2) ORDER BY global_position`,
        [naiveLast.toString(), `${category}-`],
      );
      for (const row of rows) naiveLast = BigInt(row.global_position);
      return rows.map((row) => row.event_id);
    };
    const waitingForTheAppendLock = async () => {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks
          WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      return rows[0]!.n;
    };

    const first = newEvent('First');
    const second = newEvent('Second');
    // T1 appends and stays open; T2's append (its own transaction) comes after it.
    const t1 = await pool.connect();
    await t1.query('BEGIN');
    const r1 = await appendEvents(t1, `${category}-1`, [first], 'no_stream');
    const appending = appendEvents(pool, `${category}-2`, [second], 'no_stream');
    let settled = false;
    void appending.then(() => {
      settled = true;
    });
    // T2 waits for T1's append-order lock instead of taking a position ahead of it …
    while ((await waitingForTheAppendLock()) === 0) await sleep(10);
    expect(settled).toBe(false);
    // … so nothing is visible, to the naive reader or the store, until T1 commits.
    expect(await naiveRead()).toEqual([]);
    expect((await store.readAll({ filter: { streamPrefixes: [`${category}-`] } })).events).toEqual([]);

    await t1.query('COMMIT');
    t1.release();
    const r2 = await appending;
    expect(r1.position.prepare < r2.position.prepare).toBe(true);
    expect(r1.position.commit < r2.position.commit).toBe(true);

    // Positions became visible in order: the naive reader, which used to skip the late commit, skips nothing.
    const naiveSaw = [...(await naiveRead())];
    await waitUntilVisible(store, r2.position);
    naiveSaw.push(...(await naiveRead()));
    expect(naiveSaw).toEqual([first.id, second.id]);
    const after = await store.readAll({ filter: { streamPrefixes: [`${category}-`] } });
    expect(after.events.map((e) => e.id)).toEqual([first.id, second.id]);
    expect(eventsOf(await subscribed).map((e) => e.id)).toEqual([first.id, second.id]);
  });

  it("a transaction older than a stream's last writer cannot append to it (the global order would break)", async () => {
    const stream = `${uniqueCategory('older')}-1`;
    await store.appendToStream(stream, [newEvent()], { expectedRevision: 'no_stream' });
    const older = await pool.connect();
    try {
      await older.query('BEGIN');
      await older.query('SELECT pg_current_xact_id()'); // its transaction id is now taken
      const newer = await store.appendToStream(stream, [newEvent()], { expectedRevision: 0n });
      // Appending now would put revision 2 (older id) before revision 1 (newer id) in the global log.
      await expect(appendEvents(older, stream, [newEvent()], 'any')).rejects.toThrow(/newer transaction/);
      await expect(appendEvents(older, stream, [newEvent()], 1n)).rejects.toThrow(/newer transaction/);
      await older.query('ROLLBACK');
      // In a transaction of its own, the same append goes through; one transaction may append twice.
      await older.query('BEGIN');
      await appendEvents(older, stream, [newEvent()], 1n);
      await appendEvents(older, stream, [newEvent()], 2n);
      await older.query('COMMIT');
      const read = await store.readStream(stream);
      expect(read.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);
      await waitUntilVisible(store, read[3]!.position);
      const global = await store.readAll({ filter: { streamPrefixes: [stream] } });
      expect(global.events.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n]);
      expect(comparePositions(read[1]!.position, newer.position)).toBe(0);
    } finally {
      older.release();
    }
  });

  it('a subscription keeps retrying while the database refuses connections, then carries on', async () => {
    const category = uniqueCategory('outage');
    const start = await store.headPosition();
    const first = newEvent();
    const second = newEvent();
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    let outage = false;
    try {
      const collecting = collect(
        store,
        { ...(start ? { after: start } : {}), filter: { streamPrefixes: [`${category}-`] } },
        (all) => eventsOf(all).length >= 2,
        30_000,
        async (item) => {
          if (item.kind !== 'event' || outage) return;
          outage = true;
          // Every read the subscription tries now fails (new connections are refused, old ones cut).
          await admin.query(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS false`);
          await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
            db.name,
          ]);
          setTimeout(() => {
            admin
              .query(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`)
              .then(() => retryTransient(() => store.appendToStream(`${category}-1`, [second])));
          }, 500);
        },
      );
      await store.appendToStream(`${category}-1`, [first]);
      const items = await collecting;
      expect(outage).toBe(true);
      expect(eventsOf(items).map((e) => e.id)).toEqual([first.id, second.id]);
    } finally {
      await admin.query(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
  });

  it('the LISTEN connection comes back after it is cut: live events arrive without waiting for a poll', async () => {
    // A poll interval far beyond the test's timeout: only a working LISTEN connection can deliver in time.
    // Its own pool, so its LISTEN connection has a name of its own: another store's reconnecting listener
    // (the file's other tests cut every session) cannot be taken for it.
    const ownPool = createPool({ connectionString: db.url, max: 2, applicationName: 'listen-test' });
    const slowPolling = await createPostgresEventStore({
      pool: ownPool,
      pollIntervalMs: 600_000,
      migrate: false,
    });
    const category = uniqueCategory('listen');
    const event = newEvent();
    const listeners = async () =>
      (
        await pool.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'listen-test-listen'`,
        )
      ).rows.map((r) => r.pid);
    try {
      const start = await slowPolling.headPosition();
      const collecting = collect(
        slowPolling,
        { ...(start ? { after: start } : {}), filter: { streamPrefixes: [`${category}-`] } },
        (all) => eventsOf(all).length >= 1,
        20_000,
      );
      let ours: number[] = [];
      for (let i = 0; i < 100 && ours.length === 0; i++) {
        await sleep(50);
        ours = await listeners();
      }
      expect(ours).toHaveLength(1);
      const { rows } = await pool.query('SELECT pg_terminate_backend($1) AS done', [ours[0]]);
      expect(rows[0].done).toBe(true);
      // Late enough that the re-reads the cut itself triggered (about 1.3 s) are over.
      await sleep(3_000);
      await retryTransient(() => slowPolling.appendToStream(`${category}-1`, [event]));
      expect(eventsOf(await collecting).map((e) => e.id)).toEqual([event.id]);
      const again = await listeners();
      expect(again).toHaveLength(1);
      expect(again[0]).not.toBe(ours[0]);
    } finally {
      await slowPolling.close();
      await ownPool.end();
    }
  });

  it('close() ends live subscriptions and the pool the store created', async () => {
    const own = await createPostgresEventStore({ connectionString: db.url, poolSize: 2, migrate: false });
    const iteration = (async () => {
      const seen: string[] = [];
      for await (const item of own.subscribeToAll({ filter: { streamPrefixes: ['nothing-here-'] } }))
        seen.push(item.kind);
      return seen;
    })();
    await sleep(200);
    await own.close();
    expect(await iteration).toEqual(['caught-up']);
    await expect(own.appendToStream('x-1', [newEvent()])).rejects.toThrow();
  });

  it('refuses an event whose data is not JSON (a bigint) before writing anything', async () => {
    const stream = `${uniqueCategory('json')}-1`;
    const bad = { ...newEvent(), data: { amount: 1n } as Record<string, unknown> };
    await expect(store.appendToStream(stream, [newEvent(), bad])).rejects.toThrow(/not JSON/);
    await expect(store.readStream(stream)).rejects.toMatchObject({ stream });
  });

  it('an event id reused in another stream is an error, not a silent retry', async () => {
    const category = uniqueCategory('dup');
    const event = newEvent();
    await store.appendToStream(`${category}-1`, [event]);
    await expect(
      store.appendToStream(`${category}-2`, [event], { expectedRevision: 'no_stream' }),
    ).rejects.toThrow();
    await expect(store.readStream(`${category}-2`)).rejects.toMatchObject({ stream: `${category}-2` });
  });

  it('an append is one round trip, and so is a stream read', async () => {
    let statements = 0;
    const counting = {
      query: ((...args: Parameters<pg.Pool['query']>) => {
        statements += 1;
        return (pool.query as (...a: unknown[]) => unknown)(...args);
      }) as pg.Pool['query'],
    };
    const category = uniqueCategory('trip');
    await appendEvents(counting, `${category}-1`, [newEvent(), newEvent()], 'no_stream');
    await appendEvents(counting, `${category}-1`, [newEvent()], 1n);
    await appendEvents(counting, `${category}-1`, [newEvent()], 'any');
    await appendEvents(counting, `${category}-1`, [newEvent()], 'stream_exists');
    expect(statements).toBe(4);
    // A cached aggregate asking for newer events, and a missing stream: one statement each too.
    expect(await readStream(counting, `${category}-1`, { fromRevision: 5n })).toEqual([]);
    await expect(readStream(counting, `${category}-none`)).rejects.toBeInstanceOf(StreamNotFound);
    expect(await readStream(counting, `${category}-1`, { direction: 'backwards', maxCount: 2 })).toHaveLength(
      2,
    );
    expect(statements).toBe(7);
  });

  it('the schema has the indexes the design relies on; migrations are recorded once', async () => {
    const { rows } = await pool.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE tablename = 'messages' ORDER BY indexname`,
    );
    const defs = rows.map((r) => r.indexdef).join('\n');
    expect(defs).toMatch(/\(transaction_id, global_position\)/);
    expect(defs).toMatch(/messages_type_position_idx .*\(type, transaction_id, global_position\)/);
    expect(defs).toMatch(/UNIQUE INDEX messages_event_id_key .*\(event_id\)/);
    expect(defs).toMatch(/UNIQUE INDEX messages_stream_revision_key .*\(stream_name, stream_revision\)/);
    expect((await migrateEventStore(pool)).applied).toEqual([]);
  });

  it('reads the global log through the (transaction_id, global_position) index', async () => {
    const { rows } = await pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT * FROM messages WHERE (transaction_id, global_position) > ('1'::xid8, 1::bigint)
       ORDER BY transaction_id, global_position LIMIT 1000`,
    );
    expect(rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/messages_position_idx/);
  });

  it('a type-filtered read merges one index range per type, never scanning or sorting the log', async () => {
    // 20,000 events of which the two wanted types are 1 %: a scan of the position index would read them all.
    await pool.query(
      `INSERT INTO messages (event_id, stream_name, stream_revision, type, data, metadata)
       SELECT gen_random_uuid(), 'planfill-' || g, 0,
              CASE WHEN g % 200 = 0 THEN 'PlanRareA' WHEN g % 200 = 1 THEN 'PlanRareB' ELSE 'PlanCommon' END,
              '{}', '{}'
         FROM generate_series(1, 20000) g`,
    );
    await pool.query('ANALYZE messages');
    // A type with no events at all too, read from part-way through the log, where the planner expects few
    // rows after the position: by position, that branch would scan the rest of the log for nothing.
    const { rows: from } = await pool.query<{ commit: string; prepare: string }>(
      `SELECT transaction_id::text AS commit, global_position::text AS prepare FROM messages
        WHERE stream_name = 'planfill-100'`,
    );
    const statement = readAllStatement({
      after: { commit: BigInt(from[0]!.commit), prepare: BigInt(from[0]!.prepare) },
      maxCount: 50,
      filter: { eventTypes: ['PlanRareA', 'PlanRareB', 'PlanAbsent'] },
    });
    const client = await pool.connect();
    try {
      // Both the plan of a one-off statement and the generic plan a prepared statement settles on.
      for (const mode of ['force_custom_plan', 'force_generic_plan']) {
        await client.query(`SET plan_cache_mode = ${mode}`);
        const { rows } = await client.query<{ 'QUERY PLAN': string }>({
          text: `EXPLAIN ${statement.text}`,
          values: statement.values,
        });
        const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
        expect(plan).toMatch(/Merge Append/);
        expect(plan.match(/Index Scan using messages_type_position_idx/g)).toHaveLength(3);
        // The position index serves only the head row (the newest event, read backwards).
        expect(plan.match(/messages_position_idx/g)).toHaveLength(1);
        expect(plan).not.toMatch(/Seq Scan|Bitmap|Sort {2}\(/);
      }
      const page = await store.readAll({ maxCount: 50, filter: { eventTypes: ['PlanRareA', 'PlanRareB'] } });
      expect(page.events).toHaveLength(50);
      expect(new Set(page.events.map((e) => e.type))).toEqual(new Set(['PlanRareA', 'PlanRareB']));
      const ordered = [...page.events].sort((a, b) => comparePositions(a.position, b.position));
      expect(page.events.map((e) => e.id)).toEqual(ordered.map((e) => e.id));
    } finally {
      await client.query('RESET plan_cache_mode');
      client.release();
    }
  });
});
