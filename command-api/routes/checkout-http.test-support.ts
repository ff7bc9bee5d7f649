import { pino } from 'pino';
import { createCheckoutWorld } from '../../application/checkout/test-support.ts';
import { loadConfig } from '../../infra/config.ts';
import { createRedis, deleteKeysWithPrefix } from '../../infra/redis/client.ts';
import { startTestServer } from '../../test/support/http.ts';
import { redisUrl, testKeyPrefix } from '../../test/support/isolation.ts';
import { commandApiContext, createCommandApi } from '../app.ts';
import { checkoutRoutesWith } from './checkout.ts';
import { orderRoutesWith } from './orders.ts';

/**
 * A checkout world (real PostgreSQL store, sandbox payments) served over HTTP by the checkout and order
 * routes, rate limits off, with its own database and Redis prefix; `token` signs in a customer.
 */
export async function startCheckoutHttp(label: string) {
  const world = await createCheckoutWorld(label);
  const redis = createRedis({ url: redisUrl, keyPrefix: testKeyPrefix(label) });
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: `${label}-secret-0123456789abcdefghijklmnop`,
    RATE_LIMIT_AUTH_PER_MIN: '0',
    RATE_LIMIT_CHECKOUT_PER_MIN: '0',
    RATE_LIMIT_GENERAL_PER_MIN: '0',
  });
  const options = {
    store: world.store,
    redis,
    config,
    logger: pino({ level: 'silent' }),
    clock: world.clock,
  };
  const routes = [checkoutRoutesWith(() => world.services), orderRoutesWith(() => world.services)];
  const { tokens } = commandApiContext(options);
  const http = await startTestServer(createCommandApi({ ...options, routes }));
  return {
    world,
    http,
    token: (userId: string) => tokens.issuePair({ userId, role: 'customer' }).accessToken,
    async close() {
      await http.close();
      await deleteKeysWithPrefix(redis).catch(() => 0);
      redis.disconnect();
      await world.close();
    },
  };
}
