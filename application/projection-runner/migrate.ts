import type pg from 'pg';
import type { Logger } from '../../infra/logger.ts';
import { loadMigrations, runMigrations } from '../../infra/postgres/migrations.ts';

/** Creates the runner's tables (generations, checkpoints, dead letters). Read-model tables live per generation. */
export async function migrateProjections(pool: pg.Pool, logger?: Logger) {
  const migrations = await loadMigrations(new URL('./migrations', import.meta.url));
  return runMigrations(pool, { module: 'projections', migrations, ...(logger ? { logger } : {}) });
}
