import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import type { Logger } from '../infra/logger.ts';
import type { ReadModelDb } from './runner/types.ts';

/**
 * Kysely over the read-model pool. pg-pool listens for errors only on idle clients: a checked-out client
 * whose connection dies between two queries (server restart, pg_terminate_backend) would emit an
 * unhandled 'error' and take the process down. Every client gets a listener of its own here; the query
 * in flight still fails, and the runner restarts from its checkpoint. Call it before the pool's first use.
 */
export function createReadModelDb(pool: pg.Pool, logger?: Logger): ReadModelDb {
  pool.on('connect', (client) => {
    client.on('error', (error) => logger?.warn({ err: error.message }, 'read-model connection lost'));
  });
  return new Kysely({ dialect: new PostgresDialect({ pool }) });
}
