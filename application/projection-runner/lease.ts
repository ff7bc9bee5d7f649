import type pg from 'pg';
import type { Logger } from '../../infra/logger.ts';
import { type Lease, LeaseSession, type StaleBackend } from './lease-session.ts';

export type { Lease } from './lease-session.ts';

export type LeaseOptions = {
  clientConfig: pg.ClientConfig;
  projection: string;
  signal: AbortSignal;
  retryMs: number;
  /** The process's leases share one session, shown in pg_stat_activity as `projection-leases:<instance>`. */
  instanceId?: string;
  /** How often the holder checks that its session and locks are still alive. */
  checkMs?: number;
  /** A lease query or connect unanswered for this long condemns the session and every lease on it (10 s). */
  deadlineMs?: number;
  logger: Logger;
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

/** `work`'s value, or undefined as soon as `signal` aborts (`work` is left to settle). */
const unlessAborted = <T>(work: Promise<T>, signal: AbortSignal) =>
  new Promise<T | undefined>((resolve) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    void work.then((value) => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    });
  });

/**
 * Only one instance runs a projection: it holds a session advisory lock. When the holder dies its session
 * ends, the server frees the lock, and the next instance polling here takes over from the checkpoint.
 * Returns undefined only when `signal` aborts first; a lock an attempt gets after that is released.
 *
 * A process's leases (one per projection it runs, standbys polling included) share one dedicated session
 * (not a pool client, so a lock cannot leak to another user of the pool): one connection instead of one
 * per projection (lease-session.ts). Runners given another `instanceId` get a session of their own, as
 * another process would.
 */
export async function acquireLease(options: LeaseOptions): Promise<Lease | undefined> {
  const { signal } = options;
  const session = sessionFor(options);
  session.users += 1;
  let abandoned: Promise<Lease | undefined> | undefined;
  try {
    while (!signal.aborted) {
      const attempt = session.tryLock(options.projection, options.logger).catch((error: unknown) => {
        options.logger.warn({ err: error, projection: options.projection }, 'lease attempt failed');
        return undefined;
      });
      const lease = await unlessAborted(attempt, signal);
      if (lease) {
        session.users += 1; // held until released
        return lease;
      }
      if (signal.aborted) {
        abandoned = attempt;
        break;
      }
      await sleep(options.retryMs, signal);
    }
    return undefined;
  } finally {
    if (abandoned)
      void abandoned
        .then(async (late) => {
          if (!late) return;
          session.users += 1;
          await late.release();
        })
        .finally(() => session.leave());
    else session.leave();
  }
}

const sessions = new Map<string, LeaseSession>();
/** Per session key: server processes of condemned lease clients not yet ended (lease-session.ts). */
const stalePids = new Map<string, StaleBackend[]>();

function sessionFor(options: LeaseOptions): LeaseSession {
  const { connectionString, host, port, database, user } = options.clientConfig;
  const instance = options.instanceId ?? String(process.pid);
  const key = JSON.stringify([connectionString, host, port, database, user, instance]);
  let session = sessions.get(key);
  if (!session) {
    let stale = stalePids.get(key);
    if (!stale) {
      stale = [];
      stalePids.set(key, stale);
    }
    const created = new LeaseSession(options, instance, stale, () => {
      if (sessions.get(key) === created) sessions.delete(key);
    });
    sessions.set(key, created);
    session = created;
  }
  return session;
}
