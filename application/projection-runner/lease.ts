import pg from 'pg';
import { describeError } from '../../infra/log-errors.ts';
import type { Logger } from '../../infra/logger.ts';

/** Advisory-lock namespace for projection leases (the first key of the two-int form). */
const LEASE_NAMESPACE = 73_015;

export type Lease = {
  /** Aborted when the lock session dies: the runner must stop writing at once. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
};

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Only one instance runs a projection: it holds a session advisory lock on a dedicated connection (not a
 * pool client, so the lock cannot leak to another user of the pool). When the holder dies its session ends,
 * the server frees the lock, and the next instance polling here takes over from the checkpoint.
 * Returns undefined only when `signal` aborts first.
 */
export async function acquireLease(options: {
  clientConfig: pg.ClientConfig;
  projection: string;
  signal: AbortSignal;
  retryMs: number;
  /** Shown in pg_stat_activity as `projection-lease:<projection>:<instance>`. */
  instanceId?: string;
  /** How often the holder checks that its session and lock are still alive. */
  checkMs?: number;
  logger: Logger;
}): Promise<Lease | undefined> {
  const { projection, signal, logger } = options;
  // A standby keeps one session and retries the lock on it, rather than reconnecting every attempt.
  let client: pg.Client | undefined;
  while (!signal.aborted) {
    try {
      if (!client) {
        client = new pg.Client({
          ...options.clientConfig,
          application_name: `projection-lease:${projection}:${options.instanceId ?? process.pid}`,
        });
        client.on('error', () => {}); // while holding, reported through `lost` (see holdLease)
        await client.connect();
      }
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
        [LEASE_NAMESPACE, projection],
      );
      if (rows[0]?.locked) return holdLease(client, options);
    } catch (error) {
      logger.warn({ err: error, projection }, 'lease attempt failed');
      await client?.end().catch(() => {});
      client = undefined;
    }
    await sleep(options.retryMs, signal);
  }
  await client?.end().catch(() => {});
  return undefined;
}

function holdLease(
  client: pg.Client,
  options: { projection: string; checkMs?: number; logger: Logger },
): Lease {
  const lost = new AbortController();
  let released = false;
  const lose = (reason: string) => {
    if (released || lost.signal.aborted) return;
    options.logger.warn({ projection: options.projection, reason }, 'projection lease lost');
    lost.abort(new Error(reason));
  };
  client.on('error', (error) => lose(describeError(error)));
  client.on('end', () => lose('lease session ended'));
  // A half-open TCP connection raises no event; ask the server now and then whether we still hold the lock.
  const timer = setInterval(() => {
    client
      .query<{ held: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
           AND classid = $1 AND objid = hashtext($2)::oid AND granted) AS held`,
        [LEASE_NAMESPACE, options.projection],
      )
      .then(({ rows }) => {
        if (!rows[0]?.held) lose('advisory lock no longer held');
      })
      .catch((error: unknown) => lose(describeError(error)));
  }, options.checkMs ?? 1_000);
  timer.unref();
  return {
    lost: lost.signal,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await client
        .query('SELECT pg_advisory_unlock($1, hashtext($2))', [LEASE_NAMESPACE, options.projection])
        .catch(() => {});
      await client.end().catch(() => {});
    },
  };
}
