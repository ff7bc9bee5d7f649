import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address, type CheckoutWorld, createCheckoutWorld } from '../../application/checkout/test-support.ts';
import type { WorkflowStep } from '../../application/checkout/workflow-deps.ts';
import type { ProductId, UserId } from '../../domain/shared/ids.ts';
import { loadConfig } from '../../infra/config.ts';
import { createRedis, deleteKeysWithPrefix } from '../../infra/redis/client.ts';
import { answer, commandClient } from '../../test/api-client/clients.ts';
import type { components } from '../../test/api-client/command-api.d.ts';
import { redisUrl, testKeyPrefix } from '../../test/support/isolation.ts';
import { commandApiContext } from '../app.ts';

/**
 * kill -9 during checkout, restart, retry with the same Idempotency-Key: the customer gets the order that
 * was placed (2xx, the same order id), charged once, never BIZ_4003. The server is a child process
 * (crash-server.ts) that SIGKILLs itself right after a workflow step; the retry goes to a fresh one on the
 * same PostgreSQL and Redis. Until the dead request's idempotency lock lapses the retry is told 409
 * BIZ_4010 with Retry-After, which the client honours, as a client would.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const JWT_SECRET = 'checkout-kill-secret-0123456789abcdefghij';
const running = new Set<ChildProcess>();

describe('kill -9 during checkout, then a retry with the same key', () => {
  let world: CheckoutWorld;
  let redis: Redis;
  let prefix: string;
  let token: (userId: string) => string;
  beforeAll(async () => {
    world = await createCheckoutWorld('checkout_kill');
    prefix = testKeyPrefix('checkout_kill');
    redis = createRedis({ url: redisUrl, keyPrefix: prefix });
    const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET });
    const { tokens } = commandApiContext({
      store: world.store,
      redis,
      config,
      logger: pino({ level: 'silent' }),
    });
    token = (userId) => tokens.issuePair({ userId, role: 'customer' }).accessToken;
  });
  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await deleteKeysWithPrefix(redis).catch(() => 0);
    redis?.disconnect();
    await world?.close();
  });

  /** Starts crash-server.ts; resolves with its port once it listens, and with its exit once it dies. */
  async function startServer(crashAfter?: WorkflowStep) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'command-api/checkout/crash-server.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATABASE_URL: world.database.url,
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: prefix,
        JWT_SECRET,
        ...(crashAfter ? { CRASH_AFTER: crashAfter } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => {
        running.delete(child);
        resolve(signal);
      }),
    );
    let output = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout?.on('data', (chunk) => {
        output += chunk;
        const match = /listening (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      });
      child.stderr?.on('data', (chunk) => {
        output += chunk;
      });
      child.once('exit', () => reject(new Error(`crash-server exited before listening:\n${output}`)));
    });
    return { child, port, exited };
  }

  const orderBody: components['schemas']['postOrdersBody'] = {
    shipping_address: address,
    billing_address: address,
    payment_method: { type: 'card', token: 'tok_visa' },
  };
  // Through the client generated from docs/openapi/command-api.json; every answer is checked against its
  // route's declared schema (test/api-client/response-check.ts).
  const placeOrder = (port: number, customer: string, key: string) =>
    answer(
      commandClient(`http://127.0.0.1:${port}`, token(customer)).POST('/api/v1/orders', {
        body: orderBody,
        headers: { 'Idempotency-Key': key },
      }),
    );
  type Placed = Awaited<ReturnType<typeof placeOrder>>;

  /**
   * Retries while the dead request's idempotency lock still holds the key: checkout names that refusal
   * 409 BIZ_4010 "already in progress" (other routes RES_3003), with Retry-After, which a client honours.
   */
  async function retry(port: number, customer: string, key: string): Promise<Placed> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const reply = await placeOrder(port, customer, key);
      const inProgress =
        reply.status === 409 &&
        ['BIZ_4010', 'RES_3003'].includes(reply.body?.error?.code) &&
        reply.headers.get('retry-after') !== null;
      if (!inProgress || Date.now() > deadline) return reply;
      const wait = Number(reply.headers.get('retry-after') ?? '1');
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    }
  }

  async function shopper() {
    const customer: UserId = world.newUser();
    const products: ProductId[] = [world.newProduct(), world.newProduct()];
    for (const product of products) {
      await world.receive(product, 10);
      await world.addToCart(customer, product, 2, 1500);
    }
    return { customer, products, key: `checkout-${customer}` };
  }

  async function placedOrders(customer: string) {
    const { rows } = await world.pool.query<{ order_id: string }>(
      `SELECT data->>'order_id' AS order_id FROM messages WHERE type = 'OrderPlaced' AND data->>'user_id' = $1`,
      [customer],
    );
    return rows.map((r) => r.order_id);
  }

  it('dies mid-reservation, after placing, or after charging; each retry gets its placed order', async () => {
    const steps: WorkflowStep[] = ['line-reserved', 'order-placed', 'charged'];
    const shoppers = [];
    for (const step of steps) {
      const shop = await shopper();
      const server = await startServer(step);
      const first = await placeOrder(server.port, shop.customer, shop.key).then(
        (reply) => `answered ${reply.status}`,
        () => 'no answer',
      );
      expect(first, step).toBe('no answer');
      expect(await server.exited, step).toBe('SIGKILL');
      shoppers.push({ ...shop, step });
    }

    const server = await startServer();
    const answers = await Promise.all(shoppers.map((s) => retry(server.port, s.customer, s.key)));
    for (const [n, shop] of shoppers.entries()) {
      const reply = answers[n]!;
      expect(reply.status, `${shop.step}: ${reply.text}`).toBe(201);
      const orderIds = await placedOrders(shop.customer);
      expect(orderIds, shop.step).toEqual([reply.body.order_id]);
      expect(reply.body).toMatchObject({ status: 'confirmed', total: 74.8 });
      const charges = await world.chargeRows(reply.body.order_id);
      expect(charges, shop.step).toMatchObject([{ status: 'succeeded', amount: '7480' }]);
      for (const product of shop.products)
        expect(await world.stock(product), shop.step).toMatchObject({ onHand: 8, reserved: 0 });
      expect((await world.cart(shop.customer)).lines, shop.step).toEqual([]);
      // Once more, as a client that lost this answer too: the same order, replayed.
      const again = await placeOrder(server.port, shop.customer, shop.key);
      expect(again.status).toBe(201);
      expect(again.body.order_id).toBe(reply.body.order_id);
    }
    server.child.kill('SIGKILL');
    await server.exited;
  }, 300_000);
});
