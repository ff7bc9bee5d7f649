import { type ChainableCommander, Redis } from 'ioredis';
import { withinDeadline } from '../deadline.ts';
import type { Logger } from '../logger.ts';
import { reconnectWhenSilent } from './liveness.ts';

export type RedisClientOptions = {
  /** `redis://[user:pass@]host:port[/db]`; the database index in the path is honoured. */
  url: string;
  /** Prepended to every key (tests give each file its own, see test/support/isolation.ts). */
  keyPrefix?: string;
  logger?: Logger;
  /** Shown in CLIENT LIST, which helps when several roles share one Redis. */
  connectionName?: string;
  /** How long a command may wait for its reply (default 10 s); see createRedis. */
  commandTimeoutMs?: number;
  /** How often the connection is PINGed to find it dead (default 5 s; liveness.ts). */
  livenessMs?: number;
};

/** The database index in a Redis URL's path (`/3` → 3); 0 when absent. */
export function redisDatabaseIndex(url: string): number {
  const path = new URL(url).pathname.replace(/^\//, '');
  if (path === '') return 0;
  const index = Number.parseInt(path, 10);
  if (!/^\d+$/.test(path) || index > 15) throw new Error(`REDIS_URL has an invalid database index: /${path}`);
  return index;
}

/**
 * An ioredis client. Commands fail after a few retries instead of queueing forever, so a Redis
 * outage shows up as errors (and in /ready) rather than as requests that hang. A command unanswered for
 * `commandTimeoutMs` fails too ("Command timed out", a 503 for the APIs): on a half-open connection (the
 * peer gone without a FIN) a reply never comes, and TCP gives up only after minutes of retransmissions.
 * Our commands answer in milliseconds; the default leaves two orders of magnitude for a loaded machine.
 * A PING every `livenessMs` finds such a connection dead and has ioredis make a new one (liveness.ts).
 */
export function createRedis(options: RedisClientOptions): Redis {
  const client = new Redis(options.url, {
    db: redisDatabaseIndex(options.url),
    keyPrefix: options.keyPrefix,
    maxRetriesPerRequest: 2,
    connectionName: options.connectionName,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    commandTimeout: options.commandTimeoutMs ?? 10_000,
  });
  let lastError = '';
  client.on('error', (error: Error) => {
    // ioredis repeats the same error on every reconnect attempt; log each distinct one once.
    if (error.message === lastError) return;
    lastError = error.message;
    options.logger?.warn({ err: error }, 'redis connection error');
  });
  client.on('ready', () => {
    lastError = '';
  });
  reconnectWhenSilent(client, {
    everyMs: options.livenessMs ?? 5_000,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return client;
}

/** PING with a deadline, for readiness checks. */
export async function pingRedis(client: Redis, timeoutMs = 1000): Promise<void> {
  await withinDeadline(client.ping(), timeoutMs, `redis ping timed out after ${timeoutMs} ms`);
}

/** Deletes every key under the client's own prefix (test clean-up); SCAN, never KEYS. */
export async function deleteKeysWithPrefix(client: Redis): Promise<number> {
  const prefix = client.options.keyPrefix ?? '';
  if (prefix === '') throw new Error('refusing to delete keys without a key prefix');
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    // SCAN returns full key names; DEL would add the prefix again, so strip it.
    const local = keys.map((key) => key.slice(prefix.length));
    if (local.length > 0) deleted += await client.del(...local);
  } while (cursor !== '0');
  return deleted;
}

/**
 * Runs a pipeline or a MULTI and returns its replies, throwing the first command's error: ioredis's
 * exec() resolves with each command's error in its slot (a timed-out command, WRONGTYPE), which a caller
 * reading only the values would take for an empty reply.
 */
export async function execAll(commands: ChainableCommander): Promise<unknown[]> {
  const results = await commands.exec();
  if (!results) throw new Error('redis transaction discarded');
  for (const [error] of results) if (error) throw error;
  return results.map(([, value]) => value);
}
