/**
 * Starts the roles ROLES names (default all) in this process, against DATABASE_URL and REDIS_URL, on the
 * PostgreSQL event store unless EVENTSTORE_CONNECTION_STRING is set, publishing to Kafka when KAFKA_BROKERS
 * is set. SIGTERM/SIGINT: stop taking work, finish what is in hand, close everything, exit 0.
 * COMMAND_API_WORKERS / QUERY_API_WORKERS (default `auto`, one per core) above 1 serve that API from worker
 * processes (api-workers.ts); this process then keeps the other roles, sums every process's metrics for
 * /metrics (cluster-metrics.ts) and stops the workers first on SIGTERM.
 */

import { createCheckpointPublisher } from '../application/projection-runner/checkpoint-channel.ts';
import { createCheckpointWatcher } from '../application/projection-runner/checkpoint-watcher.ts';
import { migrateProjections } from '../application/projection-runner/migrate.ts';
import type { RunnerDeps } from '../application/projection-runner/runner.ts';
import { createPricingSource } from '../application/read-models/pricing-source.ts';
import { startCommandApi } from '../command-api/server.ts';
import { migrateAudit } from '../infra/audit/migrate.ts';
import { createAuthServices } from '../infra/auth/auth-services.ts';
import { resolveJwtKeys } from '../infra/auth/jwt-keys.ts';
import { ConfigError, loadConfig, problemsForRoles } from '../infra/config.ts';
import { createEventStore } from '../infra/eventstore/create-store.ts';
import { composeStore } from '../infra/eventstore/decorate-store.ts';
import { NotReady } from '../infra/http/health.ts';
import { createKafka } from '../infra/kafka/client.ts';
import { createLogger } from '../infra/logger.ts';
import { createSandboxPaymentProvider, migratePayments } from '../infra/payments/sandbox-provider.ts';
import { ensureDatabase } from '../infra/postgres/ensure-database.ts';
import { createPool } from '../infra/postgres/pool.ts';
import { MasterKeyError } from '../infra/privacy/master-key.ts';
import { openPersonalData } from '../infra/privacy/personal-data.ts';
import { createRedis } from '../infra/redis/client.ts';
import { deploymentRedisPrefix } from '../infra/redis/prefix.ts';
import { createPostgresSnapshotStore, migrateSnapshots } from '../infra/snapshots/snapshot-store.ts';
import { createSnapshots } from '../infra/snapshots/snapshots.ts';
import { primaryClusterMetrics, workerClusterMetrics } from '../infra/telemetry/cluster-metrics.ts';
import { createMetrics, type ShopMetrics, shutdownTelemetry } from '../infra/telemetry/index.ts';
import { startProcessManager } from '../process-manager/start.ts';
import { startNotifierRole } from '../projections/notifier/start.ts';
import { publisherConfig } from '../projections/publisher/config.ts';
import {
  createProductViewEmitter,
  type KafkaPublisher,
  type ProductViewEmitter,
  startPublisher,
} from '../projections/publisher/index.ts';
import { createReadModelDb } from '../projections/read-model-db.ts';
import { startProjectionsRole } from '../projections/start.ts';
import { startQueryApi } from '../query-api/server.ts';
import { planProcess, startApiWorkers } from './api-workers.ts';
import { startHealthServer } from './health-server.ts';

const SHUTDOWN_BOUND_MS = 15_000;
/** Product views held while Kafka is slow or down; beyond it they are dropped (and counted). */
const PRODUCT_VIEW_BUFFER = 10_000;

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
// A stop asked for while starting (the API workers take a while to fork) waits for the start to finish,
// then runs the usual graceful shutdown below, instead of killing this process half-way.
let stopAsked: string | undefined;
const askStop = (signal: string) => {
  stopAsked ??= signal;
};
process.on('SIGTERM', askStop);
process.on('SIGINT', askStop);
const plan = planProcess(config.ROLES, {
  'command-api': config.COMMAND_API_WORKERS,
  'query-api': config.QUERY_API_WORKERS,
});
const logger = createLogger({ level: config.LOG_LEVEL, name: 'shop' }).child(
  plan.isWorker ? { worker: plan.own[0], pid: process.pid } : {},
);
const roles = new Set(plan.own);
const roleProblems = problemsForRoles(config, roles);
if (roleProblems.length > 0) {
  console.error(new ConfigError(roleProblems).message);
  process.exit(1);
}
const stops: { name: string; stop: () => Promise<void> }[] = [];
// Each API worker holds its own pools: smaller ones, so that all of them fit max_connections.
const poolSize = plan.isWorker ? { poolSize: config.WORKER_PG_POOL_SIZE } : {};

if (!plan.isWorker) await ensureDatabase(config.DATABASE_URL);
const { store: baseStore, kind } = await createEventStore(config, logger, poolSize);
// The one metrics registry of this process: every role records into it. GET /metrics serves it, or with
// API workers the sum over the primary and every worker, whichever process answers (cluster-metrics.ts).
const ownMetrics = createMetrics();
const groupMetrics = plan.isWorker
  ? workerClusterMetrics(ownMetrics.registry)
  : plan.workers.length > 0
    ? primaryClusterMetrics(ownMetrics.registry)
    : undefined;
const metrics: ShopMetrics = groupMetrics ? { ...ownMetrics, render: groupMetrics.render } : ownMetrics;
// Refuses to start on a wrong master key (key check value), before anything could write under it.
const personalData = await openPersonalData({
  connectionString: config.DATABASE_URL,
  config,
  logger,
  ...(plan.isWorker ? { poolSize: 2 } : {}),
}).catch((error: unknown) => {
  if (!(error instanceof MasterKeyError)) throw error;
  console.error(error.message);
  process.exit(1);
});
const store = composeStore(baseStore, { logger, metrics, personalData });
const pool = createPool({
  connectionString: config.DATABASE_URL,
  applicationName: plan.isWorker ? `shop-${plan.own[0]}` : 'shop',
  logger,
  ...(plan.isWorker ? { max: config.WORKER_PG_POOL_SIZE } : {}),
});
const redis = createRedis({
  url: config.REDIS_URL,
  keyPrefix: deploymentRedisPrefix(config),
  logger,
  connectionName: 'shop',
});
const jwtKeys = resolveJwtKeys(config, logger); // once, so a token from one API is valid on the other
const db = createReadModelDb(pool, logger);
await migrateProjections(pool, logger);
await migratePayments(pool, logger);
await migrateSnapshots(pool, logger);
// Snapshots live in PostgreSQL whichever store holds the streams (docs/snapshots.md).
const snapshots =
  config.SNAPSHOT_EVERY > 0
    ? createSnapshots({ store: createPostgresSnapshotStore(pool), every: config.SNAPSHOT_EVERY, logger })
    : undefined;
const withSnapshots = snapshots ? { snapshots } : {};
// One provider for the checkout routes and the process manager: the order id is its idempotency key.
const payments = createSandboxPaymentProvider({ pool });
const runnerDeps: RunnerDeps = {
  store,
  db,
  leaseClientConfig: pool.options,
  redis,
  publisher: createCheckpointPublisher(redis, logger),
  metrics,
  logger,
};

// Migrated once, here, before any worker starts (the workers find nothing left to do).
if (plan.workers.some((w) => w.role === 'query-api')) await migrateAudit(pool, logger);
if (plan.workers.length > 0) {
  // A development secret is random per process: the workers take the primary's, so a token issued by one
  // worker is valid on every other (and on the other API).
  const sharedSecret: Record<string, string> =
    !config.JWT_SECRET && !config.JWT_PRIVATE_KEY && jwtKeys.algorithm === 'HS256'
      ? { JWT_SECRET: jwtKeys.signingKey }
      : {};
  const workers = await startApiWorkers(plan, logger, sharedSecret);
  stops.unshift({ name: 'api-workers', stop: () => workers.stop() });
}

if (roles.has('projections')) {
  const projections = await startProjectionsRole({
    config,
    logger,
    store,
    pool,
    redis,
    metrics,
  });
  stops.push({ name: 'projections', stop: () => projections.close() });
}
if (roles.has('process-manager')) {
  const day = 86_400_000;
  const processManager = await startProcessManager({
    store,
    pool,
    logger,
    metrics,
    payments,
    timings: { guestCartTtlMs: config.GUEST_CART_TTL_DAYS * day, cartTtlMs: config.CART_TTL_DAYS * day },
    actions: { tierThresholds: config.TIER_THRESHOLDS },
    ...withSnapshots,
  });
  stops.push({ name: 'process-manager', stop: () => processManager.stop() });
}
const kafka = publisherConfig(config);
let publisher: KafkaPublisher | undefined;
if (roles.has('publisher')) {
  if (kafka.brokers.length === 0) {
    logger.info('publisher role idle: KAFKA_BROKERS is not set');
  } else {
    const started = startPublisher({
      brokers: kafka.brokers,
      deps: runnerDeps,
      topicPrefix: kafka.topicPrefix,
      partitions: kafka.partitions,
      replicationFactor: kafka.replicationFactor,
      batchSize: kafka.batchSize,
    });
    publisher = started;
    stops.push({ name: 'publisher', stop: () => started.stop() });
  }
}
// The publisher's and the notifier's readiness, on the /ready of whichever health endpoint this process has.
const publisherReadiness = publisher
  ? [{ name: 'kafka_publisher', ready: publisher.ready }]
  : ([] as { name: string; ready: () => { ok: boolean; status?: unknown } }[]);
if (roles.has('notifier')) {
  const notifier = await startNotifierRole({
    config,
    pool,
    deps: runnerDeps,
  });
  stops.push({ name: 'notifier', stop: () => notifier.stop() });
  publisherReadiness.push({ name: 'notifier', ready: notifier.ready });
}
if (roles.has('query-api')) {
  await migrateAudit(pool, logger);
  const { authenticator } = createAuthServices({ config, redis, logger, keys: jwtKeys });
  // Best effort: a view waits for nothing and is dropped (counted) when Kafka is down.
  let productViews: ProductViewEmitter | undefined;
  if (kafka.brokers.length > 0) {
    const views = createProductViewEmitter({
      kafka: createKafka({ brokers: kafka.brokers, clientId: 'query-api-views', logger }),
      logger: logger.child({ component: 'product-views' }),
      bufferSize: PRODUCT_VIEW_BUFFER,
      topicPrefix: kafka.topicPrefix,
      metrics,
    });
    productViews = views;
  }
  const queryApi = await startQueryApi({
    config,
    db,
    redis,
    authenticator,
    logger,
    metrics,
    keepDependencies: true,
    store,
    ...(productViews ? { productViews } : {}),
    readiness: publisherReadiness,
  });
  stops.unshift({
    name: 'query-api',
    stop: async () => {
      await queryApi.close();
      await productViews?.close(2_000);
    },
  });
}
if (roles.has('command-api')) {
  // The pricing read model's serving generation, kept current by the checkpoint channel (no query a line).
  const generations = createCheckpointWatcher({ db, subscriber: redis.duplicate(), logger });
  await generations.start();
  const commandApi = await startCommandApi({
    store,
    redis,
    config,
    logger,
    jwtKeys,
    metrics,
    payments,
    pricingRules: createPricingSource(db, generations),
    ...withSnapshots,
    factViews: true,
    keepDependencies: true,
  });
  stops.unshift({
    name: 'command-api',
    stop: async () => {
      await commandApi.close();
      await generations.stop();
    },
  });
}
if (!roles.has('command-api') && !roles.has('query-api')) {
  const health = await startHealthServer({
    port: config.HEALTH_PORT,
    host: config.HOST,
    store,
    pool,
    redis,
    metrics,
    logger,
    checks: publisherReadiness.map(({ name, ready }) => ({
      name,
      check: async () => {
        const { ok, status } = ready();
        if (!ok) throw new NotReady(status);
      },
    })),
  });
  stops.unshift({ name: 'health', stop: () => health.close() });
}
logger.info(
  {
    roles: [...roles],
    eventStore: kind,
    ...(plan.workers.length > 0
      ? { apiWorkers: Object.fromEntries(plan.workers.map((w) => [w.role, w.count])) }
      : {}),
  },
  'started',
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const bound = setTimeout(() => {
    logger.error('shutdown took too long; exiting');
    process.exit(1);
  }, SHUTDOWN_BOUND_MS);
  bound.unref();
  // The APIs first (stop taking work), then the workers finish their batch and commit its checkpoint.
  for (const { name, stop } of stops) {
    await stop().catch((error: unknown) => logger.error({ err: error, role: name }, 'error while stopping'));
  }
  await snapshots?.flush();
  await store.close();
  await pool.end();
  await redis.quit().catch(() => redis.disconnect());
  await shutdownTelemetry();
  logger.info('stopped');
  process.exit(0);
}
process.off('SIGTERM', askStop);
process.off('SIGINT', askStop);
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
if (stopAsked) void shutdown(stopAsked);
// A worker whose primary is gone (killed) stops too, instead of serving on alone.
if (plan.isWorker) process.once('disconnect', () => void shutdown('primary gone'));
