import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { createStockWriter, type StockWriter } from '../application/checkout/stock-writer.ts';
import type { WorkflowDeps, WorkflowFaults } from '../application/checkout/workflow-deps.ts';
import type { CommandHandler } from '../application/commands/command-handler.ts';
import { createMeteredCommandHandler } from '../application/commands/traced-handler.ts';
import type { CheckpointPublisher } from '../application/projection-runner/checkpoint-channel.ts';
import { migrateProjections } from '../application/projection-runner/migrate.ts';
import {
  createProjectionRunner,
  type ProjectionRunner,
  type RunnerOptions,
} from '../application/projection-runner/runner.ts';
import type { EventStore } from '../infra/eventstore/port.ts';
import type { Logger } from '../infra/logger.ts';
import type { PaymentProvider } from '../infra/payments/port.ts';
import { createSandboxPaymentProvider, migratePayments } from '../infra/payments/sandbox-provider.ts';
import type { Snapshots } from '../infra/snapshots/snapshots.ts';
import { createMetrics, type ShopMetrics } from '../infra/telemetry/index.ts';
import { type ClaimLoop, createClaimLoop, type TimerOutcome } from './timers/claim-loop.ts';
import {
  defaultTimings,
  type ProcessManagerTimings,
  processManagerProjection,
  type TimerRow,
} from './timers/pm-projection.ts';
import { createTimerActions, type TimerActionOptions } from './timers/timer-actions.ts';

export type ProcessManagerOptions = {
  store: EventStore;
  /** PostgreSQL with the runner tables and the timers (DATABASE_URL). */
  pool: pg.Pool;
  logger: Logger;
  /** Default: the sandbox provider on `pool` (its table migrated here). */
  payments?: PaymentProvider;
  clock?: () => Date;
  handler?: CommandHandler;
  /** Snapshots of long streams for the default handler. */
  snapshots?: Snapshots;
  stock?: StockWriter;
  /**
   * The process's metrics: its commands, parked events and (when given) the timer backlog
   * (process_manager_timer_backlog) are recorded in it.
   */
  metrics?: ShopMetrics;
  publisher?: CheckpointPublisher;
  timings?: Partial<ProcessManagerTimings>;
  actions?: TimerActionOptions;
  claim?: { batchSize?: number; maxIdleMs?: number };
  runner?: RunnerOptions;
  /** False: only claim timers (another process records them). Default true. */
  recordTimers?: boolean;
  faults?: WorkflowFaults;
  onTimer?: (timer: TimerRow, outcome: TimerOutcome | 'failed') => void;
};

export type ProcessManager = {
  runner: ProjectionRunner | undefined;
  claims: ClaimLoop;
  stop(): Promise<void>;
};

/**
 * The process-manager role: the timer projection on the common runner (one instance at a time holds its
 * lease; the timers are written in the transaction of its checkpoint) and the claim loop (every instance).
 */
export async function startProcessManager(options: ProcessManagerOptions): Promise<ProcessManager> {
  const { store, pool, logger } = options;
  const log = logger.child({ role: 'process-manager' });
  const metrics = options.metrics ?? createMetrics({ runtime: false });
  const clock = options.clock ?? (() => new Date());
  await migrateProjections(pool, log);
  let payments = options.payments;
  if (!payments) {
    await migratePayments(pool, log);
    payments = createSandboxPaymentProvider({ pool });
  }
  // Metered like the command API's: the process manager's commands count in commands_total too.
  const handler =
    options.handler ??
    createMeteredCommandHandler({
      store,
      logger: log,
      clock,
      maxRetries: 40,
      metrics,
      ...(options.snapshots ? { snapshots: options.snapshots } : {}),
    });
  const deps: WorkflowDeps = {
    handler,
    payments,
    clock,
    logger: log,
    stock: options.stock ?? createStockWriter({ store, handler, clock }),
    ...(options.faults ? { faults: options.faults } : {}),
  };
  // biome-ignore lint/suspicious/noExplicitAny: the runner's database holds every read model's tables
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  const runner =
    options.recordTimers === false
      ? undefined
      : createProjectionRunner(
          processManagerProjection({ ...defaultTimings, ...options.timings }),
          {
            store,
            db,
            leaseClientConfig: pool.options as pg.ClientConfig,
            metrics,
            logger: log,
            ...(options.publisher ? { publisher: options.publisher } : {}),
          },
          { batchSize: 200, leaseRetryMs: 500, ...options.runner },
        );
  const claims = createClaimLoop({
    pool,
    listenConfig: pool.options as pg.ClientConfig,
    action: createTimerActions(deps, options.actions),
    clock,
    logger: log,
    ...options.claim,
    ...(options.onTimer ? { onOutcome: options.onTimer } : {}),
    ...(options.metrics ? { onBacklog: options.metrics.timers } : {}),
  });
  runner?.start();
  await claims.start();
  return {
    runner,
    claims,
    async stop() {
      await claims.stop();
      await runner?.stop();
      // Kysely's destroy would end the shared pool; the caller owns it.
    },
  };
}
