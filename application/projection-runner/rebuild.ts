import { sql } from 'kysely';
import { comparePositions, type Position, positionToString } from '../../infra/eventstore/position.ts';
import { follow } from './follow.ts';
import { beginBuild, buildingGeneration, loadCheckpoint, type Target } from './generations.ts';
import { acquireLease } from './lease.ts';
import { dropGeneration, dropGenerationsBefore } from './retired-generations.ts';
import type { RunnerDeps } from './runner.ts';
import { type Projection, type RunnerDb, schemaName, setBased } from './types.ts';
import { createBatchWriter, type Faults } from './writers.ts';

export type RebuildResult = {
  projection: string;
  generation: number;
  previous: number;
  events: number;
  durationMs: number;
  position: string | null;
  /** Where a resumed build carried on from (its checkpoint); undefined when this run began the generation. */
  resumedFrom?: string | null;
};

export type RebuildOptions = {
  /**
   * Most events per transaction. Default 2,000 for a projection that takes a batch in a few round trips (a
   * PostgreSQL one with `applyBatch`, any Redis one), else 500 (a round trip per event, and the transaction
   * must stay short).
   */
  batchSize?: number;
  /**
   * Carry on with the generation a previous, interrupted rebuild left building, from its own checkpoint,
   * instead of beginning a new one. Without one to resume, begins a new generation as usual. Default false;
   * when false an unfinished building generation is dropped first.
   */
  resume?: boolean;
  /** Test seam passed to the batch writer (e.g. to kill the rebuild part-way). */
  faults?: Faults;
  onProgress?: (progress: { events: number; position: string }) => void;
};

/**
 * Builds a new generation of `projection` from the first event beside the serving one, then swaps it in:
 * under an exclusive lock on the pointer row (the serving runner's commits hold a share lock on it), and only
 * once the new generation's checkpoint has reached the serving one's; otherwise it catches up again. The
 * serving runner notices the swap at its next commit and carries on in the new generation. The generation
 * before the previous one is dropped; the previous stays for queries still running against it. With
 * `resume`, a generation an interrupted rebuild left building is carried on from its own checkpoint (its
 * writes and checkpoint committed together, so nothing is applied twice); otherwise it is dropped first.
 */
export async function rebuildProjection(
  projection: Projection,
  deps: RunnerDeps,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const started = Date.now();
  const logger = deps.logger.child({ projection: projection.name, rebuild: true });
  const abort = new AbortController();
  const lock = await acquireLease({
    clientConfig: deps.leaseClientConfig,
    projection: `rebuild:${projection.name}`,
    signal: AbortSignal.timeout(2_000),
    retryMs: 200,
    // The process's lease session, shared with its runners (lease.ts).
    ...(deps.instanceId ? { instanceId: deps.instanceId } : {}),
    logger,
  });
  if (!lock) throw new Error(`a rebuild of ${projection.name} is already running`);
  const db = deps.db as RunnerDb;
  try {
    const unfinished = await buildingGeneration(db, projection.name);
    let generation: number;
    let checkpoint: Position | undefined;
    let resumedFrom: string | null | undefined;
    if (unfinished !== undefined && options.resume) {
      generation = unfinished;
      checkpoint = await loadCheckpoint(db, { projection: projection.name, generation, role: 'building' });
      resumedFrom = checkpoint ? positionToString(checkpoint) : null;
      logger.info({ generation, from: resumedFrom }, 'resuming an unfinished rebuild');
    } else {
      if (unfinished !== undefined) await dropGeneration(deps, projection, unfinished);
      generation = await beginBuild(db, projection);
    }
    const target: Target = { projection: projection.name, generation, role: 'building' };
    const writer = createBatchWriter(projection, target, {
      db: deps.db,
      logger,
      ...(deps.redis ? { redis: deps.redis } : {}),
      ...(options.faults ? { faults: options.faults } : {}),
    });
    let events = 0;
    let analyzed = false;
    for (;;) {
      checkpoint = await follow({
        store: deps.store,
        projection,
        target,
        writer,
        from: checkpoint,
        signal: AbortSignal.any([abort.signal, lock.lost]),
        batchSize: options.batchSize ?? (setBased(projection) ? 2_000 : 500),
        skipCheckpointMs: 0, // the swap compares written checkpoints
        // An event newer than this code reads fails the rebuild (nothing swaps in) rather than leave a
        // hole in the new generation: rebuild with the release that wrote it.
        retry: { attempts: 5, baseMs: 50, maxMs: 2_000, newerVersionWaitMs: Number.POSITIVE_INFINITY },
        untilCaughtUp: true,
        metrics: deps.metrics,
        logger,
        hooks: {
          committed(at, _invalidate, _event, applied) {
            events += applied;
            options.onProgress?.({ events, position: positionToString(at) });
          },
          caughtUp() {},
          catchingUp() {},
          parked() {},
          newerVersionSince: () => Date.now(),
        },
      });
      // follow() returns when its signal aborts: a rebuild that lost its lease must not swap in a partial build.
      if (lock.lost.aborted)
        throw new Error(`the rebuild of ${projection.name} lost its lease; nothing swapped`);
      if (projection.kind === 'postgres' && !analyzed) {
        await analyzeGeneration(db, schemaName(projection.name, generation));
        analyzed = true;
      }
      const previous = await trySwap(db, target);
      if (previous !== undefined) {
        await deps.publisher?.publish({
          projection: projection.name,
          generation,
          position: checkpoint ? positionToString(checkpoint) : null,
          invalidate: ['*'],
        });
        await dropGenerationsBefore(deps, projection, previous);
        logger.info({ generation, previous, events }, 'rebuilt generation swapped in');
        return {
          projection: projection.name,
          generation,
          previous,
          events,
          durationMs: Date.now() - started,
          position: checkpoint ? positionToString(checkpoint) : null,
          ...(resumedFrom !== undefined ? { resumedFrom } : {}),
        };
      }
    }
  } finally {
    abort.abort();
    await lock.release();
  }
}

/**
 * ANALYZE of every table of a built generation, once it has caught up and before it is swapped in: a new
 * table has no planner statistics until autovacuum comes round, so the first queries after the swap would
 * be planned blind. Only ANALYZE (it samples): a VACUUM as well, for the dead row versions the rebuild's
 * upserts leave (182,000 in `products` after a 1,000,000-event replay), took the 100,000-event replay
 * bench 0.7–0.9 s longer; autovacuum removes them after the swap.
 */
async function analyzeGeneration(db: RunnerDb, schema: string) {
  const tables = await sql<{ name: string }>`
    SELECT tablename AS name FROM pg_tables WHERE schemaname = ${schema} ORDER BY tablename`.execute(db);
  for (const { name } of tables.rows) await sql`ANALYZE ${sql.table(`${schema}.${name}`)}`.execute(db);
}

/** Swaps when the building generation has reached the serving one; returns the previous serving number. */
async function trySwap(db: RunnerDb, target: Target): Promise<number | undefined> {
  return db.transaction().execute(async (trx) => {
    const pointer = await trx
      .selectFrom('projection_generations')
      .selectAll()
      .where('projection', '=', target.projection)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (pointer.building !== target.generation)
      throw new Error(`generation ${target.generation} is no longer building`);
    const serving = await loadCheckpoint(trx, { ...target, generation: pointer.serving, role: 'serving' });
    const built = await loadCheckpoint(trx, target);
    if (serving && (!built || comparePositions(built, serving) < 0)) return undefined;
    await trx
      .updateTable('projection_generations')
      .set({ serving: target.generation, building: null, swapped_at: sql<Date>`now()` })
      .where('projection', '=', target.projection)
      .execute();
    return pointer.serving;
  });
}
