import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CheckoutWorld,
  createCheckoutWorld,
  eventually,
} from '../../application/checkout/test-support.ts';
import { loadConfig } from '../../infra/config.ts';
import { createRedis, deleteKeysWithPrefix } from '../../infra/redis/client.ts';
import { createMetrics } from '../../infra/telemetry/metrics.ts';
import { redisUrl, testKeyPrefix } from '../../test/support/isolation.ts';
import { commandApiContext } from '../app.ts';
import { checkoutServicesFor } from './from-context.ts';

/**
 * Issue 13: `commands_total` counts every command of the process, not only the plain routes': the
 * checkout services the routes use (checkoutServicesFor) and the process manager's timers go through
 * the same metered handler. The world's own helpers (seeding stock and carts) use an unmetered one.
 */
describe('commands_total counts checkout and process-manager commands', () => {
  let world: CheckoutWorld;
  let redis: Redis;
  beforeAll(async () => {
    world = await createCheckoutWorld('commands_metered', { ttlSeconds: 1 });
    redis = createRedis({ url: redisUrl, keyPrefix: testKeyPrefix('commands_metered') });
  });
  afterAll(async () => {
    await deleteKeysWithPrefix(redis).catch(() => 0);
    redis?.disconnect();
    await world?.close();
  });

  it('a checkout through the routes’ services counts its stock and checkout commands', async () => {
    const metrics = createMetrics({ runtime: false });
    const context = commandApiContext({
      store: world.store,
      redis,
      config: loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'metered-commands-secret-0123456789abcdef' }),
      logger: pino({ level: 'silent' }),
      clock: world.clock,
      payments: world.payments,
      metrics,
    });
    const productId = world.newProduct();
    await world.receive(productId, 10);
    const customer = world.newUser();
    await world.addToCart(customer, productId, 2);
    expect(await metrics.value('commands_total', { type: 'ReserveStock' })).toBe(0);

    await checkoutServicesFor(context).reserveCart(customer, world.metadata);

    expect(await metrics.value('commands_total', { type: 'ReserveStock', outcome: 'ok' })).toBe(1);
    expect(await metrics.value('commands_total', { type: 'StartCheckout', outcome: 'ok' })).toBe(1);
  });

  it('the process manager counts the commands its timers send', async () => {
    const metrics = createMetrics({ runtime: false });
    const manager = await world.startProcessManager({ metrics });
    try {
      const productId = world.newProduct();
      await world.receive(productId, 10);
      const customer = world.newUser();
      await world.addToCart(customer, productId, 1);
      await world.services.reserveCart(customer, world.metadata); // the world's unmetered handler
      await eventually(async () =>
        expect(
          await metrics.value('commands_total', { type: 'ExpireReservation', outcome: 'ok' }),
        ).toBeGreaterThanOrEqual(1),
      );
    } finally {
      await manager.stop();
    }
  });
});
