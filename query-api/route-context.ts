import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from '../infra/logger.ts';
import type { ShopMetrics } from '../infra/telemetry/metrics.ts';
import type { ReadModelDb } from '../projections/runner/types.ts';
import type { CheckpointWatcher } from './checkpoint-watcher.ts';

/**
 * What a route module of the query API may use; built by createQueryApi (app.ts), which imports the
 * routes, so the routes import this file rather than app.ts.
 */
export type RouteContext = {
  db: ReadModelDb;
  redis: Redis;
  watcher: CheckpointWatcher;
  /** Verifies the bearer token; follow with `requireRole(...)` from infra/http/auth.ts. */
  authenticate: RequestHandler;
  consistencyWaitMs: number;
  logger: Logger;
  metrics: ShopMetrics;
};
