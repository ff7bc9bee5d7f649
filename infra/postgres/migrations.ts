import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Logger } from '../logger.ts';

/** One schema change: `id` orders it within its module (e.g. `001_messages`), `sql` may hold many statements. */
export type Migration = { id: string; sql: string };

/** Every module's migrations share one lock, so two processes starting together apply each exactly once. */
const MIGRATION_LOCK_KEY = 7_301_446_583_224_511n;

const checksum = (sql: string) => createHash('sha256').update(sql).digest('hex');

/**
 * Reads a module's migrations from a folder of `*.sql` files, ordered by file name
 * (`001_create_x.sql`, `002_…`); the id is the name without `.sql`.
 */
export async function loadMigrations(dir: string | URL): Promise<Migration[]> {
  const base = typeof dir === 'string' ? dir : fileURLToPath(dir);
  const names = (await readdir(base)).filter((name) => name.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (name) => ({
      id: name.slice(0, -'.sql'.length),
      sql: await readFile(join(base, name), 'utf8'),
    })),
  );
}

/**
 * Applies a module's pending migrations in id order, each in its own transaction together with its row in
 * `schema_migrations` (module, id, checksum), under a session advisory lock. An applied migration whose text
 * has since changed is an error: migrations are append-only, fix forward with a new one.
 */
export async function runMigrations(
  pool: pg.Pool,
  options: { module: string; migrations: readonly Migration[]; logger?: Logger },
): Promise<{ applied: string[] }> {
  const { module, logger } = options;
  const migrations = [...options.migrations].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ids = new Set(migrations.map((m) => m.id));
  if (ids.size !== migrations.length) throw new Error(`Duplicate migration id in module ${module}`);

  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        module text NOT NULL,
        id text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (module, id))`);
      const { rows } = await client.query<{ id: string; checksum: string }>(
        'SELECT id, checksum FROM schema_migrations WHERE module = $1',
        [module],
      );
      const done = new Map(rows.map((row) => [row.id, row.checksum]));
      for (const migration of migrations) {
        const sum = checksum(migration.sql);
        const previous = done.get(migration.id);
        if (previous !== undefined) {
          if (previous !== sum)
            throw new Error(`Migration ${module}/${migration.id} was changed after it was applied`);
          continue;
        }
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_migrations (module, id, checksum) VALUES ($1, $2, $3)', [
            module,
            migration.id,
            sum,
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw new Error(`Migration ${module}/${migration.id} failed: ${(error as Error).message}`, {
            cause: error,
          });
        }
        applied.push(migration.id);
        logger?.info({ module, migration: migration.id }, 'migration applied');
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
    }
  } finally {
    client.release();
  }
  return { applied };
}
