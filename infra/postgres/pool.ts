import pg from 'pg';
import type { Logger } from '../logger.ts';

export type PoolOptions = {
  connectionString: string;
  /** Most connections the pool opens. */
  max?: number;
  /**
   * The event store's read horizon is cluster-wide: one session idle inside a transaction stalls every
   * subscriber, so such a session is ended by the server after this long.
   */
  idleInTransactionTimeoutMs?: number;
  /** Upper bound on any one statement; 0 = none. */
  statementTimeoutMs?: number;
  applicationName?: string;
  /**
   * How long a query waits for a connection (a new one, or a free one of a full pool) before it fails;
   * the HTTP edge answers that failure 503 SYS_5002. Without it a saturated pool queues forever.
   */
  connectionTimeoutMs?: number;
  logger?: Logger;
};

export const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;

export const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS = 15_000;

/**
 * The planner's cost of a random page read, for every session of ours. PostgreSQL's default (4.0) assumes a
 * spinning disk; our event log and read models are served from memory, where a random read costs about what
 * a sequential one does. With 4.0 the planner scans all 100,000 products sequentially for a search term
 * matching a tenth of them (60 ms) instead of using the GIN index (20 ms); see docs/search.md.
 */
export const RANDOM_PAGE_COST = 1.1;

/**
 * A pg pool with the session settings every module relies on. A client whose connection dies (server
 * restart, pg_terminate_backend), idle or checked out, is logged and replaced instead of crashing the process.
 */
export function createPool(options: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    idle_in_transaction_session_timeout:
      options.idleInTransactionTimeoutMs ?? DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    application_name: options.applicationName ?? 'eventsourced-shop',
    connectionTimeoutMillis: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    options: `-c random_page_cost=${RANDOM_PAGE_COST}`,
  });
  pool.on('error', (error) => {
    options.logger?.warn({ err: error }, 'idle PostgreSQL client lost; the pool will replace it');
  });
  // pg-pool listens for errors on idle clients only: a checked-out client whose connection dies would
  // emit an unhandled 'error' and crash the process. The query in flight still rejects, as it should.
  pool.on('connect', (client) => {
    client.on('error', (error) => options.logger?.warn({ err: error }, 'PostgreSQL connection lost'));
  });
  return pool;
}

/** What both a pool and a checked-out client can do: run one query. */
export type Queryable = Pick<pg.ClientBase, 'query'>;
