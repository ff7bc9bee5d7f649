import pg from 'pg';
import { withinDeadline } from '../../infra/deadline.ts';
import { describeError } from '../../infra/log-errors.ts';
import type { Logger } from '../../infra/logger.ts';

/** Advisory-lock namespace for projection leases (the first key of the two-int form). */
const LEASE_NAMESPACE = 73_015;

/** A lease session's query or connect unanswered for this long: the session is taken for dead. */
export const DEFAULT_DEADLINE_MS = 10_000;

/**
 * The server's own look at the lease session: a peer silent for 30 s + 3 × 10 s, or leaving what the
 * server sent unacknowledged for 60 s (keepalives do not run while data waits), is dropped, and its
 * locks freed. It must stay well above what the holder takes to learn the session is gone (a check every
 * second, unanswered for the deadline: about 11 s), or the server could free a lock and hand it to
 * another instance while its holder still writes.
 */
const SERVER_KEEPALIVES =
  '-c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3 -c tcp_user_timeout=60000';

export type Lease = {
  /** Aborted when the lock session dies: the runner must stop writing at once. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
};

export type SessionOptions = {
  clientConfig: pg.ClientConfig;
  /** How often the holder checks that its session and locks are still alive (default 1 s). */
  checkMs?: number;
  deadlineMs?: number;
};

type Held = { client: pg.Client; objid: string; lost: AbortController; logger: Logger };

/** A condemned client's server process, and when it was condemned. */
export type StaleBackend = { pid: number; at: Date };

/**
 * One connection holding a process's leases (lease.ts); ended once nobody holds or waits for one. Its
 * first user's options hold for all. Advisory locks are re-entrant within a session, so the session
 * records which projections it holds or is asking for and never asks twice. Queries run one at a time
 * (pg 9 drops the client's own queue), each within the deadline: one that fails or is not answered
 * condemns the session and loses every lease on it.
 */
export class LeaseSession {
  /** Acquirers waiting plus leases held. */
  users = 0;
  #client: pg.Client | undefined;
  #connecting: Promise<pg.Client> | undefined;
  /** The current client's queries, one after another. */
  #queue: Promise<unknown> = Promise.resolve();
  readonly #held = new Map<string, Held>();
  readonly #claiming = new Set<string>();
  #check: NodeJS.Timeout | undefined;
  #checking = false;
  readonly #name: string;
  readonly #deadlineMs: number;

  /**
   * @param stale server processes of condemned clients, which may hold their locks until the server
   * notices: shared by the sessions of one key, since a session that lost its client may have ended
   * (nobody held or waited) before the next one connects.
   */
  constructor(
    private readonly options: SessionOptions,
    instance: string,
    private readonly stale: StaleBackend[],
    private readonly forget: () => void,
  ) {
    this.#name = `projection-leases:${instance}`;
    this.#deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  }

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
    const pid = (client as { processID?: number }).processID;
    if (pid !== undefined) this.stale.push({ pid, at: new Date() });
    // Not awaited: on a half-open connection the goodbye may never be answered.
    void client.end().catch(() => {});
  }

  #connect(): Promise<pg.Client> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= (async () => {
      const { clientConfig } = this.options;
      const client = new pg.Client({
        ...clientConfig,
        application_name: this.#name,
        options: [clientConfig.options, SERVER_KEEPALIVES].filter(Boolean).join(' '),
      });
      client.on('error', (error) => this.#condemn(client, describeError(error)));
      client.on('end', () => this.#condemn(client, 'lease session ended'));
      try {
        await withinDeadline(client.connect(), this.#deadlineMs, 'lease session did not connect');
      } catch (error) {
        void client.end().catch(() => {});
        throw error;
      }
      this.#client = client;
      this.#queue = Promise.resolve();
      this.#endStale(client);
      return client;
    })().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  /**
   * A condemned client's server process may still hold its locks (a half-open connection the server has
   * not noticed yet) and keep every instance from them: ended from the new session. Their leases are
   * lost already, so nothing of ours runs under them.
   */
  #endStale(client: pg.Client) {
    const stale = this.stale.splice(0);
    if (stale.length === 0) return;
    // By pid and start time (a pid the server has since reused started later), never this session itself.
    void this.#query(
      client,
      `SELECT pg_terminate_backend(s.pid) FROM pg_stat_activity s
         JOIN unnest($1::int[], $2::timestamptz[]) AS t(pid, at) ON s.pid = t.pid
        WHERE s.backend_start <= t.at AND s.pid <> pg_backend_pid()`,
      [stale.map((b) => b.pid), stale.map((b) => b.at)],
    ).catch(() => {});
  }

  /** A query on the session, after those before it; failing or unanswered in time, it condemns the session. */
  async #query<R extends pg.QueryResultRow>(client: pg.Client, text: string, values: unknown[]) {
    const run = this.#queue.then(() => client.query<R>(text, values));
    this.#queue = run.catch(() => {});
    try {
      return await withinDeadline(run, this.#deadlineMs, 'lease session did not answer');
    } catch (error) {
      this.#condemn(client, describeError(error));
      throw error;
    }
  }
}
