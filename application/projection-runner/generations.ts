import { type Kysely, sql, type Transaction } from 'kysely';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import { type Position, parsePosition, positionToString } from '../../infra/eventstore/position.ts';
import { describeError } from '../../infra/log-errors.ts';
import {
  type Projection,
  type RunnableProjection,
  type RunnerDb,
  type RunnerTables,
  schemaName,
} from './types.ts';

/** Which generation a runner writes: the one queries read, or one a rebuild is building beside it. */
export type Target = { projection: string; generation: number; role: 'serving' | 'building' };

/** The generation this runner writes is no longer the one it was started for (a rebuild swapped it in). */
export class GenerationMoved extends Error {
  constructor(readonly target: Target) {
    super(`projection ${target.projection}: generation ${target.generation} is no longer ${target.role}`);
    this.name = 'GenerationMoved';
  }
}

/** The checkpoint moved under us: another instance wrote it, so this one no longer owns the projection. */
export class CheckpointMoved extends Error {
  constructor(readonly target: Target) {
    super(`projection ${target.projection} g${target.generation}: checkpoint moved under this runner`);
    this.name = 'CheckpointMoved';
  }
}

/** Creates a generation's storage (schema and tables for PostgreSQL) and its empty checkpoint row. */
async function createGeneration(
  trx: Transaction<RunnerTables>,
  projection: RunnableProjection,
  generation: number,
) {
  if (projection.kind === 'postgres') {
    const schema = schemaName(projection.name, generation);
    await sql.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema};`).execute(trx);
    await sql.raw(projection.ddl(schema)).execute(trx);
  }
  await trx
    .insertInto('projection_checkpoints')
    .values({ projection: projection.name, generation, position: null })
    .onConflict((oc) => oc.columns(['projection', 'generation']).doUpdateSet({ position: null }))
    .execute();
}

/** The serving generation, created (generation 1) the first time a projection runs. */
export async function ensureServing(db: RunnerDb, projection: RunnableProjection): Promise<number> {
  const existing = await db
    .selectFrom('projection_generations')
    .select('serving')
    .where('projection', '=', projection.name)
    .executeTakeFirst();
  if (existing) return existing.serving;
  return db.transaction().execute(async (trx) => {
    // Serialises two first starts (the lease normally prevents them; a rebuild may race).
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`projection-init:${projection.name}`}))`.execute(trx);
    const again = await trx
      .selectFrom('projection_generations')
      .select('serving')
      .where('projection', '=', projection.name)
      .executeTakeFirst();
    if (again) return again.serving;
    await createGeneration(trx, projection, 1);
    await trx
      .insertInto('projection_generations')
      .values({ projection: projection.name, serving: 1 })
      .execute();
    return 1;
  });
}

/** The generation queries read now (undefined before the projection first ran). */
export async function servingGeneration(db: RunnerDb, projection: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('projection_generations')
    .select('serving')
    .where('projection', '=', projection)
    .executeTakeFirst();
  return row?.serving;
}

/** The generation a rebuild left building (unfinished, or still running), if any. */
export async function buildingGeneration(db: RunnerDb, projection: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('projection_generations')
    .select('building')
    .where('projection', '=', projection)
    .executeTakeFirst();
  return row?.building ?? undefined;
}

/** Starts a new generation beside the serving one and marks it as building. */
export async function beginBuild(db: RunnerDb, projection: Projection): Promise<number> {
  const serving = await ensureServing(db, projection);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('projection_generations')
      .selectAll()
      .where('projection', '=', projection.name)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const generation = Math.max(serving, row.serving, row.building ?? 0) + 1;
    await createGeneration(trx, projection, generation);
    await trx
      .updateTable('projection_generations')
      .set({ building: generation })
      .where('projection', '=', projection.name)
      .execute();
    return generation;
  });
}

export async function loadCheckpoint(
  db: Kysely<RunnerTables>,
  target: Target,
): Promise<Position | undefined> {
  const row = await db
    .selectFrom('projection_checkpoints')
    .select('position')
    .where('projection', '=', target.projection)
    .where('generation', '=', target.generation)
    .executeTakeFirst();
  return row?.position ? parsePosition(row.position) : undefined;
}

/**
 * Checks the generation is still the one this runner writes (a share lock on the pointer row, so a swap
 * waits for this commit) and moves the checkpoint from `from` to `to` only if it still stands at `from`
 * (another instance cannot have applied the same events). One statement, so one round trip: inside the
 * caller's transaction (`db` a transaction), or on its own as a transaction of one statement (a move with
 * no read-model writes beside it). `asyncCommit`: the transaction commits without waiting for the WAL
 * flush (for read models, whose checkpoint commits with their writes, so a commit lost in a server crash
 * is replayed); set here, in the same statement, rather than by a `SET LOCAL` round trip of its own.
 */
export async function advanceCheckpoint(
  db: Kysely<RunnerTables> | Transaction<RunnerTables>,
  target: Target,
  from: Position | undefined,
  to: Position,
  lastEventAt: Date | undefined,
  options: { asyncCommit?: boolean } = {},
) {
  const pointer = sql.ref(target.role === 'serving' ? 'serving' : 'building');
  const fromText = from ? positionToString(from) : null;
  const { rows } = await sql<{ current: number | null; updated: number }>`
    WITH pointer AS (
      SELECT ${pointer} AS generation FROM projection_generations
       WHERE projection = ${target.projection} FOR SHARE
    ), moved AS (
      UPDATE projection_checkpoints
         SET position = ${positionToString(to)}, updated_at = now(),
             last_event_at = coalesce(${lastEventAt ?? null}::timestamptz, last_event_at)
       WHERE projection = ${target.projection} AND generation = ${target.generation}
         AND position IS NOT DISTINCT FROM ${fromText}::text
         AND EXISTS (SELECT 1 FROM pointer WHERE generation = ${target.generation})
      RETURNING 1
    )
    SELECT (SELECT generation FROM pointer) AS current, (SELECT count(*) FROM moved)::int AS updated
    ${options.asyncCommit ? sql`, set_config('synchronous_commit', 'off', true) AS commit_mode` : sql``}
  `.execute(db);
  const row = rows[0];
  if (row?.current !== target.generation) throw new GenerationMoved(target);
  if (row.updated !== 1) throw new CheckpointMoved(target);
}

/**
 * Parks an event that kept failing: a dead-letter row (its error, never the event's data) and the
 * checkpoint moved past it, in the caller's transaction, so it is neither retried forever nor lost.
 */
export async function parkEvent(
  trx: Transaction<RunnerTables>,
  target: Target,
  park: {
    projection: string;
    event: RecordedEvent;
    error: unknown;
    attempts: number;
    from: Position | undefined;
  },
): Promise<void> {
  const { event } = park;
  await trx
    .insertInto('projection_dead_letters')
    .values({
      projection: park.projection,
      generation: target.generation,
      event_id: event.id,
      event_type: event.type,
      stream_name: event.streamName,
      position: positionToString(event.position),
      error: describeError(park.error),
      attempts: park.attempts,
    })
    .onConflict((oc) => oc.columns(['projection', 'generation', 'event_id']).doNothing())
    .execute();
  await advanceCheckpoint(trx, target, park.from, event.position, event.recordedAt);
}
