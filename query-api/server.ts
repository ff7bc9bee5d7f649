import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { ReadModelDb } from '../application/projection-runner/types.ts';
import type { Authenticator } from '../infra/auth/authenticator.ts';
import type { Config } from '../infra/config.ts';
import { listen, type RunningServer } from '../infra/http/server.ts';
import type { Logger } from '../infra/logger.ts';
import type { ShopMetrics } from '../infra/telemetry/index.ts';
import { createQueryApi, type QueryApi, type QueryApiDeps } from './app.ts';

export type StartQueryApiOptions = {
  config: Config;
  db: ReadModelDb;
  /** Closed on shutdown unless `keepDependencies`. */
  pool?: pg.Pool;
  redis: Redis;
  authenticator: Authenticator;
  logger: Logger;
  metrics?: ShopMetrics;
  port?: number;
  host?: string;
  shutdownTimeoutMs?: number;
  /** Leave the pool and Redis open on close (shared with other roles in one process). */
  keepDependencies?: boolean;
  /** The event store, for the audit endpoints. */
  store?: QueryApiDeps['store'];
  /** Product views to Kafka (closed by the caller, who owns it). */
  productViews?: QueryApiDeps['productViews'];
  /** More parts of this process /ready reports (e.g. the Kafka publisher). */
  readiness?: QueryApiDeps['readiness'];
};

/**
 * Starts the query API on QUERY_API_PORT (or `port`). close(): stop accepting, finish in-flight requests,
 * stop the checkpoint watcher, then close the pool and Redis unless they are shared.
 */
export async function startQueryApi(
  options: StartQueryApiOptions,
): Promise<RunningServer & { api: QueryApi }> {
  const logger = options.logger.child({ service: 'query-api' });
  const api = await createQueryApi({
    db: options.db,
    redis: options.redis,
    authenticator: options.authenticator,
    logger,
    consistencyWaitMs: options.config.CONSISTENCY_WAIT_MS,
    rateLimitPerMin: options.config.RATE_LIMIT_QUERY_PER_MIN,
    taxRate: options.config.TAX_RATE,
    corsOrigins: options.config.CORS_ORIGINS,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.store ? { store: options.store } : {}),
    ...(options.productViews ? { productViews: options.productViews } : {}),
    ...(options.readiness ? { readiness: options.readiness } : {}),
  });
  const running = await listen(api.app, {
    port: options.port ?? options.config.QUERY_API_PORT,
    host: options.host ?? options.config.HOST,
    logger,
    ...(options.shutdownTimeoutMs !== undefined ? { shutdownTimeoutMs: options.shutdownTimeoutMs } : {}),
    onClose: async () => {
      await api.close();
      if (options.keepDependencies) return;
      await options.pool?.end();
      await options.redis.quit().catch(() => options.redis.disconnect());
    },
  });
  return { ...running, api };
}
