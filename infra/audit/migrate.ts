import type pg from 'pg';
import type { Logger } from '../logger.ts';
import { loadMigrations, runMigrations } from '../postgres/migrations.ts';

/** Creates the audit-access log (module `audit` in schema_migrations). */
export async function migrateAudit(pool: pg.Pool, logger?: Logger): Promise<{ applied: string[] }> {
  const migrations = await loadMigrations(new URL('./migrations/', import.meta.url));
  return runMigrations(pool, { module: 'audit', migrations, ...(logger ? { logger } : {}) });
}
