import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import {
  type CheckpointWatcher,
  createCheckpointWatcher,
} from '../application/projection-runner/checkpoint-watcher.ts';
import type { ReadModelDb, RunnerDb } from '../application/projection-runner/types.ts';
import { createProductCache } from '../application/read-models/product-cache.ts';
import type { Rate } from '../domain/shared/money.ts';
import type { Authenticator } from '../infra/auth/authenticator.ts';
import type { EventStore } from '../infra/eventstore/port.ts';
import { authenticate } from '../infra/http/auth.ts';
import { corsFromAllowlist } from '../infra/http/cors.ts';
import { errorHandler, notFoundHandler } from '../infra/http/error-handler.ts';
import { inputGuard } from '../infra/http/input-guard.ts';
import { clientIp, type RateLimit, rateLimit } from '../infra/http/rate-limit.ts';
import { requestContext } from '../infra/http/request-context.ts';
import type { Logger } from '../infra/logger.ts';
import { queryApiDocument } from '../infra/openapi/api-documents.ts';
import { apiDocs } from '../infra/openapi/docs-router.ts';
import { routeSpecsOf } from '../infra/openapi/route-specs.ts';
import { createMetrics, httpMetrics, metricsRoute, type ShopMetrics } from '../infra/telemetry/index.ts';
import type { ProductViewEmitter } from '../projections/publisher/product-view-emitter.ts';
import { createQueryAdmission } from './admission.ts';
import { auditRoutes } from './audit/audit-routes.ts';
import { createCatalogQueries } from './catalog-queries.ts';
import { createPricingFacts } from './pricing-facts.ts';
import { emitProductViews } from './product-views.ts';
import type { RouteContext } from './route-context.ts';
import { cartRoutes, DEFAULT_TAX_RATE } from './routes/cart-routes.ts';
import { catalogRoutes } from './routes/catalog-routes.ts';
import { healthRoutes, type ReadinessComponent } from './routes/health-routes.ts';
import { inventoryRoutes } from './routes/inventory-routes.ts';
import { orderRoutes } from './routes/order-routes.ts';
import { personalDataRoutes } from './routes/personal-data-routes.ts';
import { pricingRoutes } from './routes/pricing-routes.ts';
import { profileRoutes } from './routes/profile-routes.ts';
import { recommendationRoutes } from './routes/recommendation-routes.ts';
import { reviewRoutes } from './routes/review-routes.ts';
import { mountQueryRoutes, type QueryRouteModule } from './routing.ts';
import { createVariantQueries } from './variant-queries.ts';
import { createViewCounter } from './view-counter.ts';

export type QueryApiDeps = {
  /** The read-model database (the projections' generations and runner tables). */
  db: ReadModelDb;
  /** Readiness and Redis read models; a duplicate subscribes to checkpoint messages. Same keyPrefix as the runners'. */
  redis: Redis;
  /** Verifies bearer tokens (infra/auth): the same tokens as the command API. */
  authenticator: Authenticator;
  logger: Logger;
  consistencyWaitMs: number;
  corsOrigins?: readonly string[];
  clock?: () => Date;
  /** The process's metrics (one registry, shared by its roles); /metrics serves it. A private one otherwise. */
  metrics?: ShopMetrics;
  /** How often product views counted in process are sent to Redis (default 1 s). */
  viewFlushMs?: number;
  /** Period of the watcher's fallback refresh from PostgreSQL. */
  checkpointRefreshMs?: number;
  productCacheSize?: number;
  /** TAX_RATE for the cart totals of GET /cart (default 0.08, as in infra/config.ts). */
  taxRate?: Rate;
  /** The event store, read only by the audit endpoints (mounted when it is given; their log needs migrateAudit). */
  store?: EventStore;
  /** More route modules mounted under /api/v1 with the built-in ones (tests; not in the OpenAPI document). */
  extraRoutes?: readonly QueryRouteModule[];
  /** Read models /ready must find (default catalog and inventory); add the ones extra routes read. */
  readModels?: readonly string[];
  /** Product views to Kafka (ProductViewed on the user-events topic), emitted after each GET /products/{id} 200. */
  productViews?: ProductViewEmitter;
  /**
   * More parts of this process /ready reports (e.g. the Kafka publisher when it runs here). One that is
   * not ok makes /ready `degraded` (still 200: this API keeps serving its read models).
   */
  readiness?: readonly ReadinessComponent[];
  /** RATE_LIMIT_QUERY_PER_MIN: requests under /api/v1 per minute per IP (0 or absent: no limit), counted in a route's admission. */
  rateLimitPerMin?: number;
};

export type { RouteContext } from './route-context.ts';

export type QueryApi = {
  app: Express;
  watcher: CheckpointWatcher;
  /** Sends the views still counted and stops the watcher (the server closes first, then this). */
  close(): Promise<void>;
};

/** The read models the built-in routes serve; each must have a serving generation before /ready says ready. */
export const servedReadModels = [
  'catalog',
  'inventory',
  'cart',
  'orders',
  'recommendations',
  'pricing',
  'users',
] as const;

/** The route modules always mounted under /api/v1. */
export const readModelRouteModules: readonly QueryRouteModule[] = [
  catalogRoutes,
  inventoryRoutes,
  cartRoutes,
  orderRoutes,
  recommendationRoutes,
  pricingRoutes,
  profileRoutes,
  reviewRoutes,
];

/** The route modules that also read the event store, mounted when the query API is given one. */
export const eventStoreRouteModules: readonly QueryRouteModule[] = [auditRoutes, personalDataRoutes];

/** Every route the query API serves (its OpenAPI document is generated from them: routeSpecsOf). */
export const queryRouteModules = [...readModelRouteModules, ...eventStoreRouteModules];

/** The query API: serves read models (and, for audit and personal data, reads the event store). */
export async function createQueryApi(deps: QueryApiDeps): Promise<QueryApi> {
  const clock = deps.clock ?? (() => new Date());
  const metrics = deps.metrics ?? createMetrics();
  const watcher = createCheckpointWatcher({
    db: deps.db as RunnerDb,
    subscriber: deps.redis.duplicate(),
    logger: deps.logger,
    ...(deps.checkpointRefreshMs ? { refreshMs: deps.checkpointRefreshMs } : {}),
  });
  await watcher.start();
  const cache = createProductCache<string>({
    max: deps.productCacheSize ?? 10_000,
  });
  watcher.onInvalidate((projection, keys) => {
    if (projection === 'catalog' || projection === 'inventory' || projection === 'variants')
      cache.invalidate(keys);
  });
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(httpMetrics(metrics));
  app.use(helmet());
  app.use(requestContext({ logger: deps.logger }));
  app.use(corsFromAllowlist(deps.corsOrigins ?? []));
  app.use(inputGuard); // bad %-escapes, NUL and lone surrogates in path and query: 400 before routing
  const api = express.Router();
  const views = createViewCounter(deps.redis, { flushMs: deps.viewFlushMs ?? 1_000 });
  api.get('/products/:product_id', views.count); // popularity; counted after the response, sent in batches
  if (deps.productViews)
    api.get('/products/:product_id', emitProductViews(deps.productViews, deps.authenticator));
  const limit: RateLimit = {
    name: 'rl:query',
    perMinute: deps.rateLimitPerMin ?? 0,
    key: (req) => `ip:${clientIp(req)}`,
  };
  const context: RouteContext = {
    db: deps.db,
    redis: deps.redis,
    watcher,
    admission: createQueryAdmission({ redis: deps.redis, authenticator: deps.authenticator, limit }),
    authenticate: authenticate(deps.authenticator),
    consistencyWaitMs: deps.consistencyWaitMs,
    logger: deps.logger,
    metrics,
    clock,
    taxRate: deps.taxRate ?? DEFAULT_TAX_RATE,
    catalog: createCatalogQueries(deps.db),
    variants: createVariantQueries(deps.db),
    productCache: cache,
    pricingFacts: createPricingFacts(deps.db, watcher),
    ...(deps.store ? { store: deps.store } : {}),
  };
  api.use(
    mountQueryRoutes(context, [
      ...readModelRouteModules,
      ...(deps.store ? eventStoreRouteModules : []),
      ...(deps.extraRoutes ?? []),
    ]),
  );
  // A route counts its request in its admission; a path no route matched is counted here. The API comes
  // first: each router mounted without a path is entered by every request that reaches it, and one that
  // matches nothing hands it on through a setImmediate (docs/performance.md).
  app.use('/api/v1', api, rateLimit(deps.redis, limit));
  app.use(metricsRoute(metrics));
  app.use(apiDocs(queryApiDocument(routeSpecsOf(queryRouteModules))));
  app.use(
    healthRoutes({
      db: deps.db,
      redis: deps.redis,
      watcher,
      readModels: deps.readModels ?? servedReadModels,
      ...(deps.readiness ? { components: deps.readiness } : {}),
      logger: deps.logger,
    }),
  );
  app.use(notFoundHandler);
  app.use(errorHandler({ clock }));
  return {
    app,
    watcher,
    close: async () => {
      await views.close();
      await watcher.stop();
    },
  };
}
