// The projections role for bench/queries/run.ts, in its own process as in production (ROLES=projections):
// the store composed as bin/start composes it (hash chain, decryption, upcasting, tracing) and
// OpenTelemetry loaded by run.ts. Env: DATABASE_URL, REDIS_URL, BENCH_REDIS_PREFIX. Stops on 'stop'.
import { createCheckpointPublisher } from '../../application/projection-runner/checkpoint-channel.ts';
import { composeStore } from '../../infra/eventstore/decorate-store.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import { createLogger } from '../../infra/logger.ts';
import { createPool } from '../../infra/postgres/pool.ts';
import { openPersonalData } from '../../infra/privacy/personal-data.ts';
import { createRedis } from '../../infra/redis/client.ts';
import { createMetrics } from '../../infra/telemetry/metrics.ts';
import { createReadModelDb } from '../../projections/read-model-db.ts';
import { createProjectionService } from '../../projections/service.ts';

const logger = createLogger({ name: 'bench-projections' });
const url = process.env.DATABASE_URL!;
const pool = createPool({ connectionString: url, max: 10, applicationName: 'bench-projector' });
const metrics = createMetrics({ runtime: false });
const store = composeStore(await createPostgresEventStore({ connectionString: url, poolSize: 8, logger }), {
  logger,
  metrics,
  personalData: await openPersonalData({ connectionString: url, logger, poolSize: 2 }),
});
const redis = createRedis({ url: process.env.REDIS_URL!, keyPrefix: process.env.BENCH_REDIS_PREFIX! });
const service = createProjectionService(
  {
    store,
    db: createReadModelDb(pool, logger),
    leaseClientConfig: { connectionString: url },
    redis,
    publisher: createCheckpointPublisher(redis, logger),
    metrics,
    logger,
  },
  { leaseRetryMs: 100 },
);
service.start();
process.send?.('started');
// The floor for the runners' lag: a bare subscriber in this process, on the same store (woken by the same
// NOTIFY from the bench's process). Each event's append start is its data's added_at / changed_at.
let floor: { stop: AbortController; samples: number[]; done: Promise<void> } | undefined;
process.on('message', async (message) => {
  if (message === 'floor-start') {
    const head = await store.headPosition();
    const stop = new AbortController();
    const samples: number[] = [];
    const done = (async () => {
      for await (const item of store.subscribeToAll({
        ...(head ? { after: head } : {}),
        signal: stop.signal,
      })) {
        if (item.kind !== 'event') continue;
        const at = item.event.data.added_at ?? item.event.data.changed_at;
        if (typeof at === 'string') samples.push(Date.now() - Date.parse(at));
      }
    })().catch(() => {});
    floor = { stop, samples, done };
    process.send?.('floor-started');
    return;
  }
  if (message === 'floor-stop') {
    floor?.stop.abort();
    await floor?.done;
    process.send?.({ floor: floor?.samples ?? [] });
    floor = undefined;
    return;
  }
  if (message !== 'stop') return;
  await service.stop();
  await store.close();
  await pool.end();
  redis.disconnect();
  process.exit(0);
});
