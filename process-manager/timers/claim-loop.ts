import pg from 'pg';
import { schemaName } from '../../application/projection-runner/types.ts';
import { withinDeadline } from '../../infra/deadline.ts';
import type { Logger } from '../../infra/logger.ts';
import { PM_PROJECTION, TIMER_CHANNEL, type TimerRow } from './pm-projection.ts';

export type TimerOutcome = { done: true } | { done: false; retryAt: Date };
export type TimerAction = (timer: TimerRow) => Promise<TimerOutcome>;

export type ClaimLoopOptions = {
  pool: pg.Pool;
  /** For the LISTEN session (a dedicated connection, not a pool client). */
  listenConfig: pg.ClientConfig;
  action: TimerAction;
  clock: () => Date;
  logger: Logger;
  /** Most timers per claim transaction (kept small: the transaction is open while their commands run). */
  batchSize?: number;
  /** Sleep at most this long without a NOTIFY (a fallback poll). */
  maxIdleMs?: number;
  /**
   * Longest an action may run (default 10 s). The claim transaction is idle while its actions run, so this
   * must stay under the pool's idle_in_transaction_session_timeout (15 s by default), which would end it.
   */
  actionTimeoutMs?: number;
  /** How long stop() waits for actions still running, late ones included (default 10 s). */
  stopWaitMs?: number;
  /** Counts for metrics and tests. */
  onOutcome?: (timer: TimerRow, outcome: TimerOutcome | 'failed') => void;
  /** The timer backlog: due (past their time, not yet fired) and pending (all stored), e.g. for metrics. */
  onBacklog?: (due: number, pending: number) => void;
};

/** While the loop keeps claiming full batches, the backlog is reported at most this often. */
const BACKLOG_REPORT_MS = 1_000;

const backoffMs = (attempts: number) => Math.min(30_000, 250 * 2 ** Math.min(attempts, 7));

/**
 * Claims due timers with FOR UPDATE SKIP LOCKED (several instances never take the same one), runs each
 * one's action (sending commands through the command handler), and in the same transaction deletes the
 * timer after success or moves it to its retry time. A crash before the commit leaves the timer in place
 * and the action is repeated, which is safe: every action is idempotent (ExpireReservation on an ended
 * reservation decides nothing). The loop sleeps until the nearest due time, woken early by NOTIFY when a
 * timer is added, and polls every maxIdleMs in case a notification was lost.
 */
export function createClaimLoop(options: ClaimLoopOptions) {
  const { pool, action, clock, logger } = options;
  const batchSize = options.batchSize ?? 16;
  const maxIdleMs = options.maxIdleMs ?? 5_000;
  const actionTimeoutMs = options.actionTimeoutMs ?? 10_000;
  let stopped = true;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  // A NOTIFY that arrives while the loop is busy must still cut the next sleep short.
  let nudged = false;
  let sleeper: NodeJS.Timeout | undefined;
  let listener: pg.Client | undefined;
  // Actions still running, late ones included: stop() waits for them (a bounded time), so none outlives
  // the process's shutdown holding a pool client the caller is about to end.
  const running = new Set<Promise<unknown>>();
  const tracked = <T>(work: Promise<T>): Promise<T> => {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    running.add(settled);
    void settled.then(() => running.delete(settled));
    return work;
  };

  async function servingSchema(): Promise<string | undefined> {
    const { rows } = await pool.query<{ serving: number }>(
      'SELECT serving FROM projection_generations WHERE projection = $1',
      [PM_PROJECTION],
    );
    return rows[0] ? schemaName(PM_PROJECTION, rows[0].serving) : undefined;
  }

  /** One claim transaction; returns how many timers it took. */
  async function claimOnce(): Promise<number> {
    const schema = await servingSchema();
    if (!schema) return 0;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<TimerRow>(
        `SELECT kind, key, due_at, payload, attempts FROM ${schema}.timers
          WHERE due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [clock(), batchSize],
      );
      const outcomes = await Promise.all(
        rows.map(async (timer): Promise<TimerOutcome | 'failed'> => {
          try {
            // Run over: retried like a failure while the rest of the batch commits and the loop goes on. The
            // late action may still finish; being idempotent, its retry then finds the work done.
            return await withinDeadline(
              tracked(action(timer)),
              actionTimeoutMs,
              `timer action ran over ${actionTimeoutMs} ms`,
            );
          } catch (error) {
            logger.warn(
              { err: error, kind: timer.kind, key: timer.key, attempts: timer.attempts },
              'timer action failed; will retry',
            );
            return 'failed';
          }
        }),
      );
      const finished: TimerRow[] = [];
      for (const [index, timer] of rows.entries()) {
        const outcome = outcomes[index]!;
        options.onOutcome?.(timer, outcome);
        if (outcome !== 'failed' && outcome.done) finished.push(timer);
        else {
          const retryAt =
            outcome === 'failed' ? new Date(clock().getTime() + backoffMs(timer.attempts)) : outcome.retryAt;
          await client.query(
            `UPDATE ${schema}.timers SET due_at = $3, attempts = attempts + 1 WHERE kind = $1 AND key = $2`,
            [timer.kind, timer.key, retryAt],
          );
        }
      }
      if (finished.length > 0)
        await client.query(
          `DELETE FROM ${schema}.timers t USING unnest($1::text[], $2::text[]) AS d(kind, key)
            WHERE t.kind = d.kind AND t.key = d.key`,
          [finished.map((t) => t.kind), finished.map((t) => t.key)],
        );
      await client.query('COMMIT');
      return rows.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  let reportedAt = 0;
  /** The nearest due time; reports the backlog on the way when someone listens (same scan). */
  async function backlog(schema: string): Promise<Date | null | undefined> {
    if (!options.onBacklog) {
      const { rows } = await pool.query<{ next: Date | null }>(
        `SELECT min(due_at) AS next FROM ${schema}.timers`,
      );
      return rows[0]?.next;
    }
    const { rows } = await pool.query<{ next: Date | null; due: string; pending: string }>(
      `SELECT min(due_at) AS next, count(*) FILTER (WHERE due_at <= $1) AS due, count(*) AS pending
         FROM ${schema}.timers`,
      [clock()],
    );
    const row = rows[0];
    if (row) options.onBacklog(Number(row.due), Number(row.pending));
    reportedAt = Date.now();
    return row?.next;
  }

  /** How long to sleep: until the nearest due timer, at most maxIdleMs. */
  async function idleMs(): Promise<number> {
    const schema = await servingSchema();
    if (!schema) return Math.min(maxIdleMs, 500);
    const next = await backlog(schema);
    if (!next) return maxIdleMs;
    const wait = next.getTime() - clock().getTime();
    // Due but not claimable: another instance holds it. Look again shortly rather than spin.
    return wait <= 0 ? 100 : Math.min(wait, maxIdleMs);
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (nudged || stopped) {
        nudged = false;
        resolve();
        return;
      }
      wake = () => {
        clearTimeout(sleeper);
        wake = undefined;
        resolve();
      };
      sleeper = setTimeout(() => wake?.(), ms);
    });

  async function run() {
    let failures = 0;
    while (!stopped) {
      try {
        const claimed = await claimOnce();
        failures = 0;
        if (claimed >= batchSize) {
          if (options.onBacklog && Date.now() - reportedAt >= BACKLOG_REPORT_MS) {
            const schema = await servingSchema();
            if (schema) await backlog(schema);
          }
          continue;
        }
        if (stopped) break;
        nudged = false;
        await sleep(claimed > 0 ? 0 : await idleMs());
      } catch (error) {
        failures += 1;
        logger.error({ err: error, failures }, 'timer claim failed');
        await sleep(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  async function listen() {
    const client = new pg.Client({ ...options.listenConfig, application_name: 'pm-timers-listen' });
    client.on('error', (error) => logger.warn({ err: error }, 'timer LISTEN connection lost; polling only'));
    client.on('notification', () => {
      nudged = true;
      wake?.();
    });
    await client.connect();
    await client.query(`LISTEN ${TIMER_CHANNEL}`);
    return client;
  }

  return {
    async start() {
      if (!stopped) return;
      stopped = false;
      listener = await listen().catch((error) => {
        logger.warn({ err: error }, 'timer LISTEN unavailable; polling only');
        return undefined;
      });
      loop = run();
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      if (running.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        const waited = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, options.stopWaitMs ?? 10_000);
        });
        await Promise.race([Promise.all(running), waited]);
        clearTimeout(timer);
        if (running.size > 0) logger.warn({ running: running.size }, 'timer actions still running at stop');
      }
      await listener?.end().catch(() => undefined);
      listener = undefined;
    },
    /** Wakes the loop now (e.g. after a timer was added in this process). */
    wake: () => {
      nudged = true;
      wake?.();
    },
    claimOnce,
  };
}

export type ClaimLoop = ReturnType<typeof createClaimLoop>;
