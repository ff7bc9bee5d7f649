import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import type { CommandHandler } from '../application/commands/command-handler.ts';
import { createMeteredCommandHandler } from '../application/commands/traced-handler.ts';
import type { IdKind } from '../domain/shared/ids.ts';
import { createAuthServices } from '../infra/auth/auth-services.ts';
import type { JwtKeys } from '../infra/auth/jwt-keys.ts';
import { createPasswordHasher, type PasswordHasher } from '../infra/auth/password-hasher.ts';
import type { Config } from '../infra/config.ts';
import type { EventStore } from '../infra/eventstore/port.ts';
import { corsFromAllowlist } from '../infra/http/cors.ts';
import { errorHandler, notFoundHandler } from '../infra/http/error-handler.ts';
import { healthRoutes } from '../infra/http/health.ts';
import { inputGuard } from '../infra/http/input-guard.ts';
import { jsonBody } from '../infra/http/json-body.ts';
import { requestContext } from '../infra/http/request-context.ts';
import type { Logger } from '../infra/logger.ts';
import { commandApiDocument } from '../infra/openapi/api-documents.ts';
import { apiDocs } from '../infra/openapi/docs-router.ts';
import type { PaymentProvider } from '../infra/payments/port.ts';
import type { PricingSource } from '../infra/pricing/pricing-source.ts';
import { pingRedis } from '../infra/redis/client.ts';
import type { Snapshots } from '../infra/snapshots/snapshots.ts';
import { createMetrics, httpMetrics, metricsRoute, type ShopMetrics } from '../infra/telemetry/index.ts';
import type { CommandApiContext } from './context.ts';
import { createFactViews } from './fact-views.ts';
import { randomIds } from './ids.ts';
import { accountLifecycleRoutes } from './routes/account-lifecycle.ts';
import { cartRoutes } from './routes/cart.ts';
import { cartCouponRoutes } from './routes/cart-coupon.ts';
import { catalogRoutes } from './routes/catalog.ts';
import { categoryRoutes } from './routes/categories.ts';
import { checkoutRoutes } from './routes/checkout.ts';
import { identityRoutes } from './routes/identity.ts';
import { inventoryRoutes } from './routes/inventory.ts';
import { orderRoutes } from './routes/orders.ts';
import { personalDataRoutes } from './routes/personal-data.ts';
import { pricingRoutes } from './routes/pricing.ts';
import { reviewRoutes } from './routes/reviews.ts';
import { variantRoutes } from './routes/variants.ts';
import { mountRoutes, type RouteModule } from './routing.ts';

/** The route modules of the command API; a context adds its module here. */
export const defaultRouteModules: readonly RouteModule[] = [
  identityRoutes,
  accountLifecycleRoutes,
  catalogRoutes,
  categoryRoutes,
  variantRoutes,
  inventoryRoutes,
  cartRoutes,
  cartCouponRoutes,
  checkoutRoutes,
  orderRoutes,
  pricingRoutes,
  personalDataRoutes,
  reviewRoutes,
];

export type CommandApiOptions = {
  store: EventStore;
  redis: Redis;
  config: Config;
  logger: Logger;
  clock?: () => Date;
  ids?: (kind: IdKind) => string;
  /** Resolve once per process (resolveJwtKeys) and share with the query API; resolved from config otherwise. */
  jwtKeys?: JwtKeys;
  hasher?: PasswordHasher;
  handler?: CommandHandler;
  /** Snapshots of long streams for the command handlers (bin/start: on the shared pool). */
  snapshots?: Snapshots;
  /** Defaults to defaultRouteModules. */
  routes?: readonly RouteModule[];
  /** The payment provider (bin/start: the sandbox on the shared pool). */
  payments?: PaymentProvider;
  /** The pricing read model the cart and checkout price lines from (bin/start: createPricingSource). */
  pricingRules?: PricingSource;
  /** The process's metrics registry (one per process, shared by its roles); a private one otherwise. */
  metrics?: ShopMetrics;
  /** Express `trust proxy`, when behind a load balancer (client IPs for rate limits). */
  trustProxy?: boolean | number | string;
  /**
   * In-process views of products and stock for the cart's commands (fact-views.ts), kept current by a
   * subscription; bin/start turns them on. Whoever starts the API closes them (context.views.close()).
   */
  factViews?: boolean;
  /** A context built beforehand with commandApiContext (e.g. to run bootstrapAdmin with it first). */
  context?: CommandApiContext;
};

/** Builds the context every route module receives. */
export function commandApiContext(options: CommandApiOptions): CommandApiContext {
  const clock = options.clock ?? (() => new Date());
  const metrics = options.metrics ?? createMetrics({ runtime: false });
  const { tokens, sessions, authenticator } = createAuthServices({
    config: options.config,
    redis: options.redis,
    clock,
    logger: options.logger,
    ...(options.jwtKeys ? { keys: options.jwtKeys } : {}),
  });
  // The views read through the handler, and the handler appends through the store the views watch.
  let handler: CommandHandler | undefined;
  const views = options.factViews
    ? createFactViews({
        store: options.store,
        load: (...args) => (handler as CommandHandler).load(...args),
        logger: options.logger,
      })
    : undefined;
  const store = views ? views.watch(options.store) : options.store;
  handler =
    options.handler ??
    createMeteredCommandHandler({
      store,
      logger: options.logger,
      clock,
      metrics,
      // A request decides on the cached aggregate; the append's revision check catches a stale one.
      trustCache: true,
      ...(options.snapshots ? { snapshots: options.snapshots } : {}),
    });
  return {
    store,
    redis: options.redis,
    config: options.config,
    logger: options.logger,
    clock,
    ids: options.ids ?? randomIds,
    handler,
    ...(views ? { views } : {}),
    metrics,
    tokens,
    sessions,
    hasher: options.hasher ?? createPasswordHasher(),
    authenticator,
    ...(options.payments ? { payments: options.payments } : {}),
    ...(options.pricingRules ? { pricingRules: options.pricingRules } : {}),
    ...(options.snapshots ? { snapshots: options.snapshots } : {}),
  };
}

/** The command API: an Express 5 app over the store, Redis and the route modules. */
export function createCommandApi(options: CommandApiOptions): Express {
  const metrics = options.metrics ?? createMetrics();
  const context = options.context ?? commandApiContext({ ...options, metrics });
  const routeModules = options.routes ?? defaultRouteModules;
  const app = express();
  app.disable('x-powered-by');
  // No body-hash ETags: a command's ETag is its stream revision (API.md), set by the route or absent.
  app.set('etag', false);
  app.set('trust proxy', options.trustProxy ?? false);
  app.use(httpMetrics(metrics));
  app.use(requestContext({ logger: options.logger }));
  app.use(helmet());
  app.use(corsFromAllowlist(options.config.CORS_ORIGINS));
  app.use(inputGuard); // bad %-escapes, NUL and lone surrogates in path and query: 400 before routing
  // The API first: each router mounted without a path is entered by every request that reaches it, and
  // one that matches nothing hands it on through a setImmediate (docs/performance.md).
  app.use('/api/v1', ...jsonBody(), mountRoutes(context, routeModules));
  app.use(
    healthRoutes({
      service: 'command-api',
      logger: options.logger,
      checks: [
        { name: 'event_store', check: async () => void (await context.store.headPosition()) },
        { name: 'redis', check: () => pingRedis(context.redis) },
      ],
    }),
  );
  app.use(metricsRoute(metrics));
  app.use(apiDocs(commandApiDocument(routeModules.flatMap((module) => module(context)))));
  app.use(notFoundHandler);
  app.use(errorHandler({ clock: context.clock }));
  return app;
}
