import { type Kysely, sql } from 'kysely';
import type pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Position } from '../../infra/eventstore/position.ts';
import { createPool } from '../../infra/postgres/pool.ts';
import { createReadModelDb } from '../../projections/read-model-db.ts';
import { createTestDatabase } from '../../test/support/isolation.ts';
import { advanceCheckpoint, CheckpointMoved, GenerationMoved, type Target } from './generations.ts';
import { migrateProjections } from './migrate.ts';
import type { RunnerDb, RunnerTables } from './types.ts';

// advanceCheckpoint in one statement: the generation check, its share lock, the compare-and-set of the
// checkpoint and (for read models) the commit mode, each still doing what the separate statements did.

const logger = pino({ level: 'silent' });
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let db: RunnerDb;

const at = (commit: bigint): Position => ({ commit, prepare: commit });
const serving: Target = { projection: 'probe', generation: 1, role: 'serving' };
const building: Target = { projection: 'probe', generation: 2, role: 'building' };

const commitMode = async (trx: Kysely<RunnerTables>) =>
  (await sql<{ synchronous_commit: string }>`SHOW synchronous_commit`.execute(trx)).rows[0]
    ?.synchronous_commit;

const checkpoint = async (generation: number) =>
  db
    .selectFrom('projection_checkpoints')
    .select(['position', 'last_event_at'])
    .where('projection', '=', 'probe')
    .where('generation', '=', generation)
    .executeTakeFirstOrThrow();

beforeAll(async () => {
  database = await createTestDatabase('advance_checkpoint');
  pool = createPool({ connectionString: database.url, max: 3, applicationName: 'advance-checkpoint-test' });
  db = createReadModelDb(pool, logger) as RunnerDb;
  await migrateProjections(pool, logger);
});

afterAll(async () => {
  await db.destroy();
  await database.drop();
});

beforeEach(async () => {
  await db.deleteFrom('projection_checkpoints').where('projection', '=', 'probe').execute();
  await db.deleteFrom('projection_generations').where('projection', '=', 'probe').execute();
  await db
    .insertInto('projection_generations')
    .values({ projection: 'probe', serving: 1, building: 2 })
    .execute();
  await db
    .insertInto('projection_checkpoints')
    .values([
      { projection: 'probe', generation: 1, position: null },
      { projection: 'probe', generation: 2, position: null },
    ])
    .execute();
});

describe('advanceCheckpoint', () => {
  it('moves the checkpoint from where it stands, and keeps the last event time when none is given', async () => {
    const recordedAt = new Date('2026-12-06T10:00:00.000Z');
    await advanceCheckpoint(db, serving, undefined, at(5n), recordedAt);
    await advanceCheckpoint(db, serving, at(5n), at(9n), undefined, { asyncCommit: true });
    const row = await checkpoint(1);
    expect(row.position).toBe('9.9');
    expect(row.last_event_at?.toISOString()).toBe(recordedAt.toISOString());
    await advanceCheckpoint(db, building, undefined, at(3n), undefined);
    expect((await checkpoint(2)).position).toBe('3.3');
    expect((await checkpoint(1)).position).toBe(row.position); // the other generation's row is its own
  });

  it('throws CheckpointMoved and writes nothing when the checkpoint is not where the runner left it', async () => {
    await advanceCheckpoint(db, serving, undefined, at(5n), undefined);
    const before = await checkpoint(1);
    await expect(advanceCheckpoint(db, serving, at(4n), at(9n), undefined)).rejects.toBeInstanceOf(
      CheckpointMoved,
    );
    await expect(advanceCheckpoint(db, serving, undefined, at(9n), undefined)).rejects.toBeInstanceOf(
      CheckpointMoved,
    );
    expect(await checkpoint(1)).toEqual(before);
  });

  it('throws GenerationMoved and writes nothing when the generation is no longer the one it writes', async () => {
    await db
      .updateTable('projection_generations')
      .set({ serving: 2, building: null })
      .where('projection', '=', 'probe')
      .execute();
    await expect(advanceCheckpoint(db, serving, undefined, at(5n), undefined)).rejects.toBeInstanceOf(
      GenerationMoved,
    );
    await expect(advanceCheckpoint(db, building, undefined, at(5n), undefined)).rejects.toBeInstanceOf(
      GenerationMoved,
    );
    await db.deleteFrom('projection_generations').where('projection', '=', 'probe').execute();
    await expect(advanceCheckpoint(db, serving, undefined, at(5n), undefined)).rejects.toBeInstanceOf(
      GenerationMoved,
    );
    expect((await checkpoint(1)).position).toBeNull();
    expect((await checkpoint(2)).position).toBeNull();
  });

  it('holds the generation pointer until the transaction ends, so a swap waits for the commit', async () => {
    const swapper = await pool.connect();
    try {
      await db.transaction().execute(async (trx) => {
        await advanceCheckpoint(trx, serving, undefined, at(5n), undefined);
        await swapper.query("SET lock_timeout = '200ms'");
        await expect(
          swapper.query("UPDATE projection_generations SET serving = 2 WHERE projection = 'probe'"),
        ).rejects.toThrow(/lock timeout/);
      });
      await swapper.query("UPDATE projection_generations SET serving = 2 WHERE projection = 'probe'");
    } finally {
      swapper.release();
    }
  });

  it('turns off the wait for the WAL flush only when asked, and only for its own transaction', async () => {
    await db.transaction().execute(async (trx) => {
      await advanceCheckpoint(trx, serving, undefined, at(5n), undefined);
      expect(await commitMode(trx)).toBe('on');
    });
    await db.transaction().execute(async (trx) => {
      await advanceCheckpoint(trx, serving, at(5n), at(6n), undefined, { asyncCommit: true });
      expect(await commitMode(trx)).toBe('off');
    });
    // Transaction-local: the pool's connections are back to the server's setting.
    const after = await Promise.all(
      [1, 2, 3].map(() => pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit')),
    );
    expect(after.map((r) => r.rows[0]?.synchronous_commit)).toEqual(['on', 'on', 'on']);
  });
});
