/**
 * Test fixture (run as a child process by checkout-kill.e2e.test.ts): the command API's checkout and order
 * routes over the real PostgreSQL store, Redis and the sandbox provider, which kills its own process with
 * SIGKILL right after the workflow step named by CRASH_AFTER (none: it runs normally). Prints
 * `listening <port>` once it accepts requests.
 */
import { pino } from 'pino';
import { createCheckoutServices } from '../../application/checkout/services.ts';
import { createCommandHandler } from '../../application/commands/command-handler.ts';
import { loadConfig } from '../../infra/config.ts';
import { composeStore } from '../../infra/eventstore/decorate-store.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import { listen } from '../../infra/http/server.ts';
import { createSandboxPaymentProvider, migratePayments } from '../../infra/payments/sandbox-provider.ts';
import { createPool } from '../../infra/postgres/pool.ts';
import { openPersonalData } from '../../infra/privacy/personal-data.ts';
import { createRedis } from '../../infra/redis/client.ts';
import { createCommandApi } from '../app.ts';
import { randomIds } from '../ids.ts';
import { checkoutRoutesWith } from '../routes/checkout.ts';
import { orderRoutesWith } from '../routes/orders.ts';

const env = process.env;
const required = (name: string) => {
  const value = env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const crashAfter = env.CRASH_AFTER ?? '';
const logger = pino({ level: 'silent' });
const config = loadConfig({
  NODE_ENV: 'test',
  JWT_SECRET: required('JWT_SECRET'),
  DATABASE_URL: required('DATABASE_URL'),
  RATE_LIMIT_AUTH_PER_MIN: '0',
  RATE_LIMIT_CHECKOUT_PER_MIN: '0',
  RATE_LIMIT_GENERAL_PER_MIN: '0',
});
const pool = createPool({ connectionString: config.DATABASE_URL, max: 3, applicationName: 'crash-server' });
await migratePayments(pool);
const store = composeStore(
  await createPostgresEventStore({ connectionString: config.DATABASE_URL, poolSize: 4 }),
  { personalData: await openPersonalData({ connectionString: config.DATABASE_URL, poolSize: 2 }) },
);
const redis = createRedis({ url: required('REDIS_URL'), keyPrefix: required('REDIS_KEY_PREFIX') });
const handler = createCommandHandler({ store, logger, maxRetries: 40 });
const services = createCheckoutServices({
  store,
  handler,
  payments: createSandboxPaymentProvider({ pool }),
  config,
  clock: () => new Date(),
  ids: randomIds,
  logger,
  faults: {
    after: (step) => {
      // kill -9: no handler, no flush, no response; whatever the step wrote is all that survives.
      if (step === crashAfter) process.kill(process.pid, 'SIGKILL');
    },
  },
});
const routes = [checkoutRoutesWith(() => services), orderRoutesWith(() => services)];
const app = createCommandApi({ store, redis, config, logger, routes });
const running = await listen(app, { port: 0, host: '127.0.0.1', logger, shutdownTimeoutMs: 1000 });
process.stdout.write(`listening ${running.port}\n`);
