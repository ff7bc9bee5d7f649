// The command API as the benchmark runs it: its own process (so the load generator does not share
// its event loop), on the benchmark's database and Redis prefix, rate limits off, and the bootstrap
// admin that startCommandApi creates from BOOTSTRAP_ADMIN_*. Started by run.ts with fork(); reports
// its port over IPC and stops on 'stop' or SIGTERM.
import { startCommandApi } from '../../command-api/server.ts';
import { loadConfig } from '../../infra/config.ts';
import { decorateStore } from '../../infra/eventstore/decorate-store.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import { createLogger } from '../../infra/logger.ts';
import { openPersonalData } from '../../infra/privacy/personal-data.ts';
import { createRedis } from '../../infra/redis/client.ts';

const config = loadConfig(process.env);
const logger = createLogger({ level: config.LOG_LEVEL, name: 'bench-command-api' });
// Composed as bin/start composes it: the command API refuses a store without personal-data protection.
const personalData = await openPersonalData({ connectionString: config.DATABASE_URL, config, logger });
const store = decorateStore(
  await createPostgresEventStore({
    connectionString: config.DATABASE_URL,
    logger,
    poolSize: Number(process.env.BENCH_POOL_SIZE ?? 10),
  }),
  { logger, personalData },
);
const redis = createRedis({ url: config.REDIS_URL, keyPrefix: process.env.BENCH_REDIS_PREFIX ?? '', logger });

const running = await startCommandApi({ store, redis, config, logger, port: 0 });
process.send?.({ port: running.port });

const stop = async () => {
  await running.close();
  process.exit(0);
};
process.on('message', (message) => {
  if (message === 'stop') void stop();
  // CPU time this process has used (µs), so run.ts can report CPU per request, which machine load does not skew.
  if (message === 'cpu') process.send?.({ cpu: process.cpuUsage() });
});
process.on('SIGTERM', () => void stop());
