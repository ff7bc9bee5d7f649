import type { Redis } from 'ioredis';
import type pg from 'pg';
import { createCheckpointPublisher } from '../application/projection-runner/checkpoint-channel.ts';
import { migrateProjections } from '../application/projection-runner/migrate.ts';
import type { RunnerDeps, RunnerOptions } from '../application/projection-runner/runner.ts';
import type { ProjectionStatus, ReadModelDb } from '../application/projection-runner/types.ts';
import type { Config } from '../infra/config.ts';
import type { EventStore } from '../infra/eventstore/port.ts';
import type { Logger } from '../infra/logger.ts';
import { createPool } from '../infra/postgres/pool.ts';
import { createRedis } from '../infra/redis/client.ts';
import { deploymentRedisPrefix } from '../infra/redis/prefix.ts';
import {
  createMetrics,
  createProjectionLagSampler,
  type ProjectionStanding,
  type ShopMetrics,
} from '../infra/telemetry/index.ts';
import { createReadModelDb } from './read-model-db.ts';
import { projections as allProjections } from './registry.ts';
import { createProjectionService, type ProjectionService } from './service.ts';

export type ProjectionsRole = {
  service: ProjectionService;
  /** What `rebuildProjection(name, deps)` needs, wired the same way as the running service. */
  deps: RunnerDeps;
  db: ReadModelDb;
  close(): Promise<void>;
};

/**
 * The `projections` role: migrates the runner tables and starts one runner per projection (each takes its
 * lease, so any number of processes may run this role). Pool and Redis are created from the config unless
 * given (then they are left open on close, being shared).
 */
export async function startProjectionsRole(options: {
  config: Config;
  logger: Logger;
  store: EventStore;
  pool?: pg.Pool;
  redis?: Redis;
  /** The process's metrics: parked events are counted, and projection lag is sampled, into it. */
  metrics?: ShopMetrics;
  /** How often the lag is sampled (default 5 s). */
  lagSampleMs?: number;
  runnerOptions?: RunnerOptions;
}): Promise<ProjectionsRole> {
  const logger = options.logger.child({ role: 'projections' });
  const pool =
    options.pool ??
    createPool({ connectionString: options.config.DATABASE_URL, applicationName: 'projections', logger });
  const db = createReadModelDb(pool, logger);
  await migrateProjections(pool, logger);
  const redis =
    options.redis ??
    createRedis({
      url: options.config.REDIS_URL,
      keyPrefix: deploymentRedisPrefix(options.config),
      logger,
      connectionName: 'projections',
    });
  const deps: RunnerDeps = {
    store: options.store,
    db,
    leaseClientConfig: pool.options,
    redis,
    publisher: createCheckpointPublisher(redis, logger),
    metrics: options.metrics ?? createMetrics({ runtime: false }),
    logger,
  };
  const service = createProjectionService(deps, options.runnerOptions);
  service.start();
  const sampler = options.metrics
    ? createProjectionLagSampler({
        store: options.store,
        metrics: options.metrics,
        standings: () => standings(service.statuses()),
        ...(options.lagSampleMs ? { intervalMs: options.lagSampleMs } : {}),
        onError: (error) => logger.warn({ err: error }, 'projection lag sample failed'),
      })
    : undefined;
  sampler?.start();
  return {
    service,
    deps,
    db,
    async close() {
      await sampler?.stop();
      await service.stop();
      if (!options.redis) await redis.quit().catch(() => redis.disconnect());
      if (!options.pool) await pool.end();
    },
  };
}

const eventTypes = new Map(allProjections.map((p) => [p.name, p.eventTypes]));
/** States in which this process owns the projection; a standby waiting for the lease reports no lag. */
const owning = new Set<ProjectionStatus['state']>(['catching-up', 'live', 'retrying']);

/** What the lag sampler measures: the projections this process runs, from their checkpoints. */
export function standings(statuses: readonly ProjectionStatus[]): ProjectionStanding[] {
  return statuses
    .filter((status) => owning.has(status.state))
    .map((status) => {
      const types = eventTypes.get(status.projection);
      return {
        projection: status.projection,
        ...(types ? { eventTypes: types } : {}),
        position: status.position,
        parked: status.parked,
      };
    });
}
