import type pg from 'pg';
import type { Logger } from '../../logger.ts';
import { loadMigrations, runMigrations } from '../../postgres/migrations.ts';

/** Creates or updates the event store's tables and functions (module `eventstore` in schema_migrations). */
export async function migrateEventStore(pool: pg.Pool, logger?: Logger): Promise<{ applied: string[] }> {
  const migrations = await loadMigrations(new URL('./migrations/', import.meta.url));
  return runMigrations(pool, { module: 'eventstore', migrations, ...(logger ? { logger } : {}) });
}
