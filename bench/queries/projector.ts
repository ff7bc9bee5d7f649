// The projections role for bench/queries/run.ts, in its own process as in production (ROLES=projections).
// Env: DATABASE_URL, REDIS_URL, BENCH_REDIS_PREFIX. Stops on the message 'stop'.
import { pino } from 'pino';
import { createCheckpointPublisher } from '../../application/projection-runner/checkpoint-channel.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import { createPool } from '../../infra/postgres/pool.ts';
import { createRedis } from '../../infra/redis/client.ts';
import { createMetrics } from '../../infra/telemetry/metrics.ts';
import { createReadModelDb } from '../../projections/read-model-db.ts';
import { createProjectionService } from '../../projections/service.ts';

const logger = pino({ level: 'warn' });
const url = process.env.DATABASE_URL!;
const pool = createPool({ connectionString: url, max: 10, applicationName: 'bench-projector' });
const store = await createPostgresEventStore({ connectionString: url, poolSize: 8, logger });
const redis = createRedis({ url: process.env.REDIS_URL!, keyPrefix: process.env.BENCH_REDIS_PREFIX! });
const service = createProjectionService(
  {
    store,
    db: createReadModelDb(pool, logger),
    leaseClientConfig: { connectionString: url },
    redis,
    publisher: createCheckpointPublisher(redis, logger),
    metrics: createMetrics({ runtime: false }),
    logger,
  },
  { leaseRetryMs: 100 },
);
service.start();
process.send?.('started');
process.on('message', async (message) => {
  if (message !== 'stop') return;
  await service.stop();
  await store.close();
  await pool.end();
  redis.disconnect();
  process.exit(0);
});
