import pg from 'pg';
import { describeError } from '../../infra/log-errors.ts';
import type { Logger } from '../../infra/logger.ts';

/** Advisory-lock namespace for projection leases (the first key of the two-int form). */
const LEASE_NAMESPACE = 73_015;

/** A lease session's query unanswered for this long: the session is taken for dead (half-open TCP). */
const DEFAULT_DEADLINE_MS = 10_000;

export type Lease = {
  /** Aborted when the lock session dies: the runner must stop writing at once. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
};

export type LeaseOptions = {
  clientConfig: pg.ClientConfig;
  projection: string;
  signal: AbortSignal;
  retryMs: number;
  /** The process's leases share one session, shown in pg_stat_activity as `projection-leases:<instance>`. */
  instanceId?: string;
  /** How often the holder checks that its session and locks are still alive. */
  checkMs?: number;
  /** A lease query unanswered for this long condemns the session and every lease on it (default 10 s). */
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

/**
 * Only one instance runs a projection: it holds a session advisory lock. When the holder dies its session
 * ends, the server frees the lock, and the next instance polling here takes over from the checkpoint.
 * Returns undefined only when `signal` aborts first.
 *
 * A process's leases (one per projection it runs, standbys polling included) share one dedicated session
 * (not a pool client, so a lock cannot leak to another user of the pool): one connection instead of one
 * per projection. Runners given another `instanceId` get a session of their own, as another process would.
 */
export async function acquireLease(options: LeaseOptions): Promise<Lease | undefined> {
  const session = sessionFor(options);
  session.users += 1;
  try {
    while (!options.signal.aborted) {
      const lease = await session.tryLock(options.projection, options.logger).catch((error: unknown) => {
        options.logger.warn({ err: error, projection: options.projection }, 'lease attempt failed');
        return undefined;
      });
      if (lease) {
        session.users += 1; // held until released
        return lease;
      }
      await sleep(options.retryMs, options.signal);
    }
    return undefined;
  } finally {
    session.leave();
  }
}

const sessions = new Map<string, LeaseSession>();

function sessionFor(options: LeaseOptions): LeaseSession {
  const { connectionString, host, port, database, user } = options.clientConfig;
  const instance = options.instanceId ?? String(process.pid);
  const key = JSON.stringify([connectionString, host, port, database, user, instance]);
  let session = sessions.get(key);
  if (!session) {
    session = new LeaseSession(options, instance, () => sessions.delete(key));
    sessions.set(key, session);
  }
  return session;
}

type Held = { client: pg.Client; objid: string; lost: AbortController; logger: Logger };

/** One connection holding a process's leases; ended once nobody holds or waits for one. */
class LeaseSession {
  /** Acquirers waiting plus leases held. */
  users = 0;
  #client: pg.Client | undefined;
  #connecting: Promise<pg.Client> | undefined;
  readonly #held = new Map<string, Held>();
  /** Projections with a try-lock in flight: a session's advisory locks are re-entrant, so two callers in
   * this process must never both ask for one. */
  readonly #claiming = new Set<string>();
  #check: NodeJS.Timeout | undefined;
  #checking = false;

  constructor(
    private readonly options: LeaseOptions,
    private readonly instance: string,
    private readonly forget: () => void,
  ) {}

  async tryLock(projection: string, logger: Logger): Promise<Lease | undefined> {
    if (this.#held.has(projection) || this.#claiming.has(projection)) return undefined;
    this.#claiming.add(projection);
    try {
      const client = await this.#connect();
      // The lock's objid as pg_locks shows it (hashtext's int4 as an oid), for the checks.
      const { rows } = await this.#query<{ locked: boolean; objid: string }>(
        client,
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked, hashtext($2)::oid::text AS objid',
        [LEASE_NAMESPACE, projection],
      );
      const row = rows[0];
      // A session that died while the answer was on its way took the lock with it.
      if (!row?.locked || client !== this.#client) return undefined;
      return this.#hold(projection, { client, objid: row.objid, lost: new AbortController(), logger });
    } finally {
      this.#claiming.delete(projection);
    }
  }

  leave() {
    this.users -= 1;
    if (this.users > 0) return;
    this.forget();
    clearInterval(this.#check);
    const client = this.#client;
    this.#client = undefined;
    void client?.end().catch(() => {});
  }

  #hold(projection: string, held: Held): Lease {
    this.#held.set(projection, held);
    // A half-open TCP connection raises no event: ask the server now and then which locks we still hold.
    this.#check ??= setInterval(() => void this.#verify(), this.options.checkMs ?? 1_000);
    this.#check.unref();
    let released = false;
    return {
      lost: held.lost.signal,
      release: async () => {
        if (released) return;
        released = true;
        this.#held.delete(projection);
        if (this.#held.size === 0) {
          clearInterval(this.#check);
          this.#check = undefined;
        }
        try {
          if (!held.lost.signal.aborted && held.client === this.#client)
            await this.#query(held.client, 'SELECT pg_advisory_unlock($1, hashtext($2))', [
              LEASE_NAMESPACE,
              projection,
            ]).catch(() => {});
        } finally {
          this.leave();
        }
      },
    };
  }

  async #verify() {
    const client = this.#client;
    if (this.#checking || !client || this.#held.size === 0) return;
    this.#checking = true;
    try {
      const { rows } = await this.#query<{ objid: string }>(
        client,
        `SELECT objid::text FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
           AND classid = $1 AND granted`,
        [LEASE_NAMESPACE],
      );
      const locked = new Set(rows.map((r) => r.objid));
      for (const [projection, held] of this.#held)
        if (held.client === client && !locked.has(held.objid))
          this.#lose(held, projection, 'advisory lock no longer held');
    } catch {
      // #query condemned the session already
    } finally {
      this.#checking = false;
    }
  }

  #lose(held: Held, projection: string, reason: string) {
    if (held.lost.signal.aborted) return;
    held.logger.warn({ projection, reason }, 'projection lease lost');
    held.lost.abort(new Error(reason));
  }

  /** Every lease on `client` is lost and the client dropped (a later attempt connects again). */
  #condemn(client: pg.Client, reason: string) {
    if (client !== this.#client) return;
    this.#client = undefined;
    for (const [projection, held] of this.#held)
      if (held.client === client) this.#lose(held, projection, reason);
    // Not awaited: on a half-open connection the goodbye may never be answered.
    void client.end().catch(() => {});
  }

  #connect(): Promise<pg.Client> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= (async () => {
      const client = new pg.Client({
        ...this.options.clientConfig,
        application_name: `projection-leases:${this.instance}`,
      });
      client.on('error', (error) => this.#condemn(client, describeError(error)));
      client.on('end', () => this.#condemn(client, 'lease session ended'));
      try {
        await client.connect();
      } catch (error) {
        void client.end().catch(() => {});
        throw error;
      }
      this.#client = client;
      return client;
    })().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  /** A query on the session; failing or unanswered within the deadline, it condemns the session. */
  async #query<R extends pg.QueryResultRow>(client: pg.Client, text: string, values: unknown[]) {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('lease session did not answer')),
        this.options.deadlineMs ?? DEFAULT_DEADLINE_MS,
      );
    });
    try {
      return await Promise.race([client.query<R>(text, values), deadline]);
    } catch (error) {
      this.#condemn(client, describeError(error));
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
