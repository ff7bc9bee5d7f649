import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import type { ReadModelDb } from '../application/projection-runner/types.ts';
import type { Logger } from '../infra/logger.ts';

/**
 * Kysely over the read-model pool. Make the pool with infra/postgres/pool.ts `createPool`, which guards
 * every client against a dying connection (the runner then restarts from its checkpoint).
 */
export function createReadModelDb(pool: pg.Pool, _logger?: Logger): ReadModelDb {
  return new Kysely({ dialect: new PostgresDialect({ pool }) });
}
