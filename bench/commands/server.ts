// The command API as production runs it (bin/start's command-api role), in its own process so the load
// generator does not share its event loop: OpenTelemetry loaded (run.ts forks it with
// --import infra/telemetry/register.ts), the decorated store (hash chain, personal data, upcasting,
// tracing) with the process's metrics, snapshots, the pricing read model as the pricing source, rate
// limits on (run.ts sets limits no bench user reaches, so every request still pays for counting), and
// the bootstrap admin that startCommandApi creates from BOOTSTRAP_ADMIN_*. Reports its port over IPC
// and stops on 'stop' or SIGTERM.
import { Redis as IORedis } from 'ioredis';
import pg from 'pg';
import { createCheckpointWatcher } from '../../application/projection-runner/checkpoint-watcher.ts';
import { ensureServing } from '../../application/projection-runner/generations.ts';
import { migrateProjections } from '../../application/projection-runner/migrate.ts';
import type { RunnerDb } from '../../application/projection-runner/types.ts';
import { createPricingSource } from '../../application/read-models/pricing-source.ts';
import { startCommandApi } from '../../command-api/server.ts';
import { loadConfig } from '../../infra/config.ts';
import { composeStore } from '../../infra/eventstore/decorate-store.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import { createLogger } from '../../infra/logger.ts';
import { createPool } from '../../infra/postgres/pool.ts';
import { openPersonalData } from '../../infra/privacy/personal-data.ts';
import { createRedis } from '../../infra/redis/client.ts';
import { createPostgresSnapshotStore, migrateSnapshots } from '../../infra/snapshots/snapshot-store.ts';
import { createSnapshots } from '../../infra/snapshots/snapshots.ts';
import { createMetrics } from '../../infra/telemetry/index.ts';
import { catalogProjection } from '../../projections/catalog/catalog-projection.ts';
import { pricingProjection } from '../../projections/pricing/pricing-projection.ts';
import { createReadModelDb } from '../../projections/read-model-db.ts';

// Round trips counted where they leave the process: PostgreSQL queries (a transaction's BEGIN and
// COMMIT included) and Redis commands (a script is one), reported to run.ts with the CPU time.
// `statements` counts each by its first words, so run.ts can list what a request sends.
const trips = { postgres: 0, redis: 0, statements: {} as Record<string, number> };
const count = (statement: string) => {
  trips.statements[statement] = (trips.statements[statement] ?? 0) + 1;
};
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  trips.postgres++;
  const [first] = args;
  const text = typeof first === 'string' ? first : (first as { text?: string } | undefined)?.text;
  count(`pg: ${(text ?? '?').replace(/\s+/g, ' ').trim().slice(0, 70)}`);
  return query.apply(this, args);
} as typeof pg.Client.prototype.query;
const sendCommand = IORedis.prototype.sendCommand;
IORedis.prototype.sendCommand = function (this: IORedis, ...args: Parameters<typeof sendCommand>) {
  trips.redis++;
  count(`redis: ${args[0]?.name ?? '?'}`);
  return sendCommand.apply(this, args);
};

const config = loadConfig(process.env);
const logger = createLogger({ level: config.LOG_LEVEL, name: 'bench-command-api' });
const poolSize = Number(process.env.BENCH_POOL_SIZE ?? 10);
const metrics = createMetrics();
// Composed as bin/start composes it: the command API refuses a store without personal-data protection.
const personalData = await openPersonalData({ connectionString: config.DATABASE_URL, config, logger });
const store = composeStore(
  await createPostgresEventStore({ connectionString: config.DATABASE_URL, logger, poolSize }),
  { logger, metrics, personalData },
);
// bin/start's shared pool (read models, snapshots), kept small: the machine's PostgreSQL is shared.
const pool = createPool({ connectionString: config.DATABASE_URL, applicationName: 'bench', logger, max: 4 });
await migrateProjections(pool, logger);
await migrateSnapshots(pool, logger);
const snapshots =
  config.SNAPSHOT_EVERY > 0
    ? createSnapshots({ store: createPostgresSnapshotStore(pool), every: config.SNAPSHOT_EVERY, logger })
    : undefined;
const redis = createRedis({ url: config.REDIS_URL, keyPrefix: process.env.BENCH_REDIS_PREFIX ?? '', logger });

// As bin/start: the pricing read model's serving generation from the checkpoint channel.
const readModels = createReadModelDb(pool, logger);
// In production the projections keep the pricing and catalog read models, and every priced add reads
// the rules reaching its product from them. They exist here too (empty: no rules, as a shop without
// any), so an add pays that query as there. BENCH_PRICING_READ_MODEL=0 leaves them out, to see its cost.
if (process.env.BENCH_PRICING_READ_MODEL !== '0')
  for (const projection of [pricingProjection, catalogProjection])
    await ensureServing(readModels as unknown as RunnerDb, projection);
const generations = createCheckpointWatcher({ db: readModels, subscriber: redis.duplicate(), logger });
await generations.start();
const running = await startCommandApi({
  store,
  redis,
  config,
  logger,
  metrics,
  pricingRules: createPricingSource(readModels, generations),
  ...(snapshots ? { snapshots } : {}),
  factViews: process.env.BENCH_FACT_VIEWS !== '0',
  port: 0,
});
process.send?.({ port: running.port });

const stop = async () => {
  await running.close();
  await generations.stop();
  await pool.end();
  process.exit(0);
};
process.on('message', (message) => {
  if (message === 'stop') void stop();
  // CPU time this process has used (µs), so run.ts can report CPU per request, which machine load does not skew.
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage(), trips });
});
process.on('SIGTERM', () => void stop());
