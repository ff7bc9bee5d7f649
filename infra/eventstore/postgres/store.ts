import type pg from 'pg';
import type { Logger } from '../../logger.ts';
import { createPool } from '../../postgres/pool.ts';
import type { EventStore, ReadAllOptions, SubscribeOptions } from '../port.ts';
import { appendBatch, appendNothing } from './append.ts';
import { GroupCommit } from './group-commit.ts';
import { LiveTail } from './live-tail.ts';
import { headPosition, readAll, readStream } from './read.ts';
import { migrateEventStore } from './schema.ts';
import { subscribe } from './subscription.ts';
import { CHANNEL, Wakeups } from './wakeups.ts';

export type PostgresEventStoreOptions = (
  | { pool: pg.Pool; connectionString?: undefined }
  | { connectionString: string; pool?: undefined }
) & {
  logger?: Logger;
  /** Subscribers re-read at least this often when no NOTIFY arrives. Default 200 ms. */
  pollIntervalMs?: number;
  /** Events per page a subscription reads. Default 1000. */
  pageSize?: number;
  /**
   * At most one NOTIFY per this window. Default 10 ms: a wake-up in another process costs one read of the
   * log's tail for all its subscriptions (live-tail.ts), and the window was the largest part left of the
   * median lag (docs/performance.md, "The NOTIFY window, third time"). It was 20 ms while every
   * subscription read on its own.
   */
  notifyDebounceMs?: number;
  /** Size of the pool the store creates (ignored when a pool is given). Default 10. */
  poolSize?: number;
  /** Group commit: batches written at once (see group-commit.ts). Default 2. */
  appendBatchesInFlight?: number;
  /** Runs the event store's migrations first. Default true. */
  migrate?: boolean;
};

/** The event store on PostgreSQL: the embedded default. See ARCHITECTURE.md "Event store port". */
export async function createPostgresEventStore(options: PostgresEventStoreOptions): Promise<EventStore> {
  const { logger } = options;
  const ownsPool = !options.pool;
  const pool =
    options.pool ??
    createPool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      applicationName: 'eventstore',
      ...(logger ? { logger } : {}),
    });
  if (options.migrate ?? true) {
    try {
      await migrateEventStore(pool, logger);
    } catch (error) {
      if (ownsPool) await pool.end();
      throw error;
    }
  }
  const closing = new AbortController();
  const wakeups = new Wakeups({
    // Named after its pool (`eventstore-listen` for the pool the store creates), so each store's is told apart.
    clientConfig: {
      ...pool.options,
      application_name: `${pool.options.application_name ?? 'eventstore'}-listen`,
    },
    sendNotify: () => pool.query(`NOTIFY ${CHANNEL}`),
    notifyDebounceMs: options.notifyDebounceMs ?? 10,
    ...(logger ? { logger } : {}),
  });
  const pageSize = options.pageSize ?? 1000;
  const readAllOf = (o: ReadAllOptions) => readAll(pool, o);
  const subscriptionDeps = {
    readAll: readAllOf,
    wakeups,
    pageSize,
    tail: new LiveTail({ readAll: readAllOf, wakeups, pageSize, maxEvents: 4 * pageSize }),
    pollIntervalMs: options.pollIntervalMs ?? 200,
    closed: closing.signal,
    ...(logger ? { logger } : {}),
  };
  const groupCommit = new GroupCommit({
    write: (requests) => appendBatch(pool, requests),
    ...(options.appendBatchesInFlight ? { maxInFlight: options.appendBatchesInFlight } : {}),
  });
  let closed = false;

  return {
    async appendToStream(stream, events, appendOptions) {
      const expected = appendOptions?.expectedRevision ?? 'any';
      if (events.length === 0) return appendNothing(pool, stream, expected);
      const result = await groupCommit.append({ stream, events, expected });
      wakeups.appended();
      return result;
    },
    readStream: (stream, readOptions) => readStream(pool, stream, readOptions),
    readAll: (readOptions) => readAll(pool, readOptions),
    subscribeToAll: (subscribeOptions?: SubscribeOptions) => subscribe(subscriptionDeps, subscribeOptions),
    headPosition: () => headPosition(pool),
    async close() {
      if (closed) return;
      closed = true;
      closing.abort();
      await groupCommit.settled(); // appends already made (the pump runs at the end of their turn)
      await wakeups.close();
      if (ownsPool) await pool.end();
    },
  };
}
