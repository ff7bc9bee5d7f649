import { Kysely, PostgresDialect } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureServing } from '../../application/projection-runner/generations.ts';
import { migrateProjections } from '../../application/projection-runner/migrate.ts';
import type { RunnerTables } from '../../application/projection-runner/types.ts';
import { createPool } from '../../infra/postgres/pool.ts';
import { createTestDatabase } from '../../test/support/isolation.ts';
import { createClaimLoop, type TimerOutcome } from './claim-loop.ts';
import { processManagerProjection, type TimerRow } from './pm-projection.ts';

const silentLogger = pino({ level: 'silent' });
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: ReturnType<typeof createPool>;
let schema: string;
beforeAll(async () => {
  database = await createTestDatabase('claim_loop');
  pool = createPool({ connectionString: database.url, max: 3 });
  await migrateProjections(pool, silentLogger);
  const db = new Kysely<RunnerTables>({ dialect: new PostgresDialect({ pool }) });
  schema = `rm_process_manager_g${await ensureServing(db, processManagerProjection())}`;
});
afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

it('gives an action that never settles up at its deadline: the rest of the batch commits, it is retried', async () => {
  const due = new Date(Date.now() - 60_000);
  await pool.query(
    `INSERT INTO ${schema}.timers (kind, key, due_at, payload) VALUES
       ('settle-payment', 'ord_hung', $1, '{}'), ('expire-reservation', 'rsv_a:prd_a', $1, '{}')`,
    [due],
  );
  const outcomes: string[] = [];
  const loop = createClaimLoop({
    pool,
    listenConfig: { connectionString: database.url },
    clock: () => new Date(),
    logger: silentLogger,
    actionTimeoutMs: 200,
    // A provider call without a timeout of its own.
    action: (timer: TimerRow) =>
      timer.key === 'ord_hung' ? new Promise<TimerOutcome>(() => {}) : Promise.resolve({ done: true }),
    onOutcome: (timer, outcome) => outcomes.push(`${timer.key} ${outcome === 'failed' ? 'failed' : 'done'}`),
  });
  expect(await loop.claimOnce()).toBe(2);
  expect(outcomes.sort()).toEqual(['ord_hung failed', 'rsv_a:prd_a done']);
  const { rows } = await pool.query(`SELECT key, attempts, due_at FROM ${schema}.timers`);
  expect(rows).toMatchObject([{ key: 'ord_hung', attempts: 1 }]);
  expect(rows[0].due_at.getTime()).toBeGreaterThan(due.getTime());
});

it('waits at stop for an action that ran over its deadline, so none outlives the process', async () => {
  await pool.query(
    `INSERT INTO ${schema}.timers (kind, key, due_at, payload) VALUES ('settle-payment', 'ord_late', $1, '{}')`,
    [new Date(Date.now() - 60_000)],
  );
  let finished = false;
  const loop = createClaimLoop({
    pool,
    listenConfig: { connectionString: database.url },
    clock: () => new Date(),
    logger: silentLogger,
    actionTimeoutMs: 100,
    stopWaitMs: 10_000,
    action: async (timer: TimerRow) => {
      if (timer.key !== 'ord_late') return { done: true };
      await new Promise((resolve) => setTimeout(resolve, 400)); // a provider answering late
      finished = true;
      return { done: true };
    },
  });
  expect(await loop.claimOnce()).toBe(1); // its deadline passed: counted failed, retried later
  expect(finished).toBe(false);
  await loop.stop();
  expect(finished).toBe(true);
});
