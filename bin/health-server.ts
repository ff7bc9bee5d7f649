import express from 'express';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { EventStore } from '../infra/eventstore/port.ts';
import { type DependencyCheck, healthRoutes } from '../infra/http/health.ts';
import { listen, type RunningServer } from '../infra/http/server.ts';
import type { Logger } from '../infra/logger.ts';
import { pingRedis } from '../infra/redis/client.ts';
import { metricsRoute, type ShopMetrics } from '../infra/telemetry/index.ts';

/** /health, /ready (each dependency) and /metrics for a process that runs neither API. */
export function startHealthServer(options: {
  port: number;
  host: string;
  store: EventStore;
  pool: pg.Pool;
  redis: Redis;
  metrics: ShopMetrics;
  logger: Logger;
  /** More checks /ready runs (e.g. the Kafka publisher's readiness); one that throws makes it 503. */
  checks?: readonly DependencyCheck[];
}): Promise<RunningServer> {
  const app = express();
  app.disable('x-powered-by');
  app.use(metricsRoute(options.metrics));
  app.use(
    healthRoutes({
      service: 'worker',
      logger: options.logger,
      checks: [
        { name: 'event_store', check: async () => void (await options.store.headPosition()) },
        { name: 'postgres', check: async () => void (await options.pool.query('SELECT 1')) },
        { name: 'redis', check: () => pingRedis(options.redis) },
        ...(options.checks ?? []),
      ],
    }),
  );
  return listen(app, {
    port: options.port,
    host: options.host,
    logger: options.logger.child({ service: 'health' }),
  });
}
