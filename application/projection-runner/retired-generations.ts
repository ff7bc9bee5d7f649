import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import { deleteRedisPrefix } from '../../infra/redis/prefix.ts';
import {
  type ReadModelDb,
  type RunnableProjection,
  type RunnerDb,
  redisPrefix,
  schemaName,
} from './types.ts';

/** What dropping needs of a projection: where its generations live. */
type Stored = Pick<RunnableProjection, 'name' | 'kind'>;
/** Where generations are kept (the runner's deps). */
type Storage = { db: ReadModelDb; redis?: Redis | undefined };

/**
 * A rebuild swaps a new generation in and keeps the one it replaced for queries still running on it
 * (readers learn of the swap at once from the checkpoint channel, else within the watcher's 2 s
 * refresh). The serving runner drops that retired generation once the swap is `graceMs` old: it no
 * longer receives events, erasures included, so kept for good it would hold in clear the personal data of
 * anyone erased after the swap (docs/privacy.md).
 */
export const RETIRED_GRACE_MS = 60_000;

/** Removes one generation's schema or Redis keys, and its checkpoint. */
export async function dropGeneration(deps: Storage, projection: Stored, generation: number) {
  const db = deps.db as RunnerDb;
  if (projection.kind === 'postgres') {
    // A query still reading the schema holds a lock the DROP waits for: give up after 2 s (the runner
    // tries again a second later) rather than hold a connection, and queue every reader behind it.
    await db.transaction().execute(async (trx) => {
      await sql`SET LOCAL lock_timeout = '2s'`.execute(trx);
      await sql.raw(`DROP SCHEMA IF EXISTS ${schemaName(projection.name, generation)} CASCADE`).execute(trx);
    });
  } else if (projection.kind === 'redis' && deps.redis) {
    await deleteRedisPrefix(deps.redis, redisPrefix(projection.name, generation));
  }
  await db
    .deleteFrom('projection_checkpoints')
    .where('projection', '=', projection.name)
    .where('generation', '=', generation)
    .execute();
}

/** Removes every generation older than `keep` (a building one is always newer than the serving one). */
export async function dropGenerationsBefore(deps: Storage, projection: Stored, keep: number) {
  const old = await (deps.db as RunnerDb)
    .selectFrom('projection_checkpoints')
    .select('generation')
    .where('projection', '=', projection.name)
    .where('generation', '<', keep)
    .execute();
  for (const { generation } of old) await dropGeneration(deps, projection, generation);
}

/**
 * The serving generation, and whether the generations it replaced are due to be dropped (its swap is at
 * least `graceMs` old by the database's clock).
 */
export async function servingState(db: RunnerDb, projection: string, graceMs: number) {
  const row = await db
    .selectFrom('projection_generations')
    .select([
      'serving',
      sql<boolean>`swapped_at <= now() - make_interval(secs => ${graceMs / 1000})`.as('retiredDue'),
    ])
    .where('projection', '=', projection)
    .executeTakeFirst();
  return row && { serving: row.serving, retiredDue: row.retiredDue };
}
