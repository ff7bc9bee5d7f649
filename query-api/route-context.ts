import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { CheckpointWatcher } from '../application/projection-runner/checkpoint-watcher.ts';
import type { ReadModelDb } from '../application/projection-runner/types.ts';
import type { ProductCache } from '../application/read-models/product-cache.ts';
import type { Rate } from '../domain/shared/money.ts';
import type { EventStore } from '../infra/eventstore/port.ts';
import type { Logger } from '../infra/logger.ts';
import type { ShopMetrics } from '../infra/telemetry/metrics.ts';
import type { QueryAdmission } from './admission.ts';
import type { CatalogQueries } from './catalog-queries.ts';
import type { PricingFacts } from './pricing-facts.ts';
import type { VariantQueries } from './variant-queries.ts';

/**
 * What a route module of the query API may use; built by createQueryApi (app.ts), which imports the
 * routes, so the routes import this file rather than app.ts.
 */
export type RouteContext = {
  db: ReadModelDb;
  redis: Redis;
  watcher: CheckpointWatcher;
  /** A route's admission by its `access` (token, revocation and limit in one round trip); mounted by routing.ts. */
  admission: QueryAdmission;
  /** Verifies the bearer token (401 AUTH_1003 without one): an optional sign-in on a public route. */
  authenticate: RequestHandler;
  consistencyWaitMs: number;
  logger: Logger;
  metrics: ShopMetrics;
  clock: () => Date;
  /** TAX_RATE for the cart totals of GET /cart. */
  taxRate: Rate;
  catalog: CatalogQueries;
  variants: VariantQueries;
  /** The facts prices are made of (GET /cart, GET /pricing/{id}/price), cached, invalidated by the watcher. */
  pricingFacts: PricingFacts;
  /** Product detail answers as their JSON text, invalidated by the watcher. */
  productCache: ProductCache<string>;
  /** The event store: the audit and personal-data routes read it (mounted only when it is given). */
  store?: EventStore;
};
