/**
 * The APIs on every core (node:cluster). The primary process keeps the singleton roles (projections,
 * process manager, publisher, notifier: they hold leases) and forks COMMAND_API_WORKERS processes for the
 * command API and QUERY_API_WORKERS for the query API; the workers of one API share its port, the primary
 * handing out connections in turn. Nothing a request relies on lives in one process only: the event
 * store's expected-revision check decides every append, rate limits and idempotency keys are in Redis,
 * and each process's state cache is only a starting point that a conflict corrects (docs/operations.md).
 */
import cluster, { type Worker } from 'node:cluster';
import type { Role } from '../infra/config.ts';
import type { Logger } from '../infra/logger.ts';

export type ApiRole = 'command-api' | 'query-api';
const ROLE_ENV = 'SHOP_WORKER_ROLE';
const RESTART_DELAY_MS = 1_000;

export type ProcessPlan = {
  /** The roles this process runs itself. */
  own: Role[];
  /** API roles handed to worker processes (primary only). */
  workers: { role: ApiRole; count: number }[];
  /** True in a worker process. */
  isWorker: boolean;
};

/** A worker runs the one API it was forked for; the primary hands each API with more than one worker out. */
export function planProcess(roles: Role[], counts: Record<ApiRole, number>): ProcessPlan {
  const forked = process.env[ROLE_ENV] as ApiRole | undefined;
  if (cluster.isWorker && forked) return { own: [forked], workers: [], isWorker: true };
  const workers = (['command-api', 'query-api'] as const)
    .filter((role) => roles.includes(role) && counts[role] > 1)
    .map((role) => ({ role, count: counts[role] }));
  const handed = new Set<Role>(workers.map((w) => w.role));
  return { own: roles.filter((role) => !handed.has(role)), workers, isWorker: false };
}

export type ApiWorkers = { stop(): Promise<void> };

/**
 * Forks the workers one at a time, each once the previous one listens (so start-up work such as the
 * bootstrap admin runs once at a time). A worker that dies is replaced; stop() sends each SIGTERM and
 * waits for all to exit (each drains its requests and closes its pools, as a single process does).
 */
export async function startApiWorkers(
  plan: ProcessPlan,
  logger: Logger,
  env: Record<string, string> = {},
): Promise<ApiWorkers> {
  const live = new Set<Worker>();
  let stopping = false;

  function fork(role: ApiRole): Promise<void> {
    const worker = cluster.fork({ ...env, [ROLE_ENV]: role });
    live.add(worker);
    return new Promise((resolve, reject) => {
      let listening = false;
      worker.once('listening', () => {
        listening = true;
        resolve();
      });
      worker.once('exit', (code, signal) => {
        live.delete(worker);
        if (!listening) {
          // Signalled while starting: the whole group is being stopped; fork no more.
          if (signal === 'SIGTERM' || signal === 'SIGINT') {
            stopping = true;
            resolve();
            return;
          }
          reject(new Error(`${role} worker exited before listening (code ${code}, signal ${signal})`));
          return;
        }
        if (stopping) return;
        logger.error({ role, code, signal, pid: worker.process.pid }, 'API worker died; starting another');
        setTimeout(() => {
          if (!stopping)
            fork(role).catch((error: unknown) =>
              logger.error({ err: error, role }, 'API worker restart failed'),
            );
        }, RESTART_DELAY_MS).unref();
      });
    });
  }

  for (const { role, count } of plan.workers) {
    for (let i = 0; i < count && !stopping; i++) await fork(role);
    logger.info({ role, workers: count }, 'API workers listening');
  }
  return {
    async stop() {
      stopping = true;
      await Promise.all(
        [...live].map(
          (worker) =>
            new Promise<void>((resolve) => {
              if (worker.isDead()) return resolve();
              worker.once('exit', () => resolve());
              worker.process.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
