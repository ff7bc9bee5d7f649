// Raw HTTP, not the generated client (test/api-client/, docs/api.md), on purpose: it races many requests
// across the worker processes of a spawned `npm start`; the answers' shapes are covered elsewhere.
import { request as httpRequest } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckoutWorld, createCheckoutWorld } from '../application/checkout/test-support.ts';
import type { ProductId, UserId } from '../domain/shared/ids.ts';
import { loadConfig } from '../infra/config.ts';
import { createRedis, deleteKeysWithPrefix } from '../infra/redis/client.ts';
import { redisUrl, testKeyPrefix } from '../test/support/isolation.ts';
import { freePort, killGroup, type NpmProcess, npm, waitUntilUp } from '../test/support/shop-process.ts';
import { commandApiContext } from './app.ts';

/**
 * Issue 18, all cores: `npm start` with COMMAND_API_WORKERS=2 serves the command API from two processes on
 * one port. Many concurrent AddToCart on one cart, spread over both: the cart ends with exactly the units
 * of the accepted requests (no lost update: the store's revision check decides, not a process's cache).
 * One Idempotency-Key sent many times at once through both: applied once (the key lives in Redis).
 * GET /metrics, whichever worker answers it (and the primary's health port), counts the commands of both.
 */
const JWT_SECRET = 'workers-e2e-secret-0123456789abcdefghijk';

describe('command API on two worker processes', () => {
  let world: CheckoutWorld;
  let shop: NpmProcess | undefined;
  let base: string;
  let health: string;
  let prefix: string;
  let token: (userId: string) => string;

  beforeAll(async () => {
    world = await createCheckoutWorld('api_workers');
    prefix = testKeyPrefix('api_workers');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const healthPort = await freePort();
    health = `http://127.0.0.1:${healthPort}`;
    const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET });
    const redis = createRedis({ url: redisUrl, keyPrefix: prefix });
    const { tokens } = commandApiContext({
      store: world.store,
      redis,
      config,
      logger: pino({ level: 'silent' }),
    });
    token = (userId) => tokens.issuePair({ userId, role: 'customer' }).accessToken;
    redis.disconnect();
    shop = npm(['start'], {
      NODE_ENV: 'test',
      ROLES: 'command-api',
      COMMAND_API_WORKERS: '2',
      COMMAND_API_PORT: String(port),
      // The primary runs no API itself, so it serves /health, /ready and /metrics on this port.
      HEALTH_PORT: String(healthPort),
      DATABASE_URL: world.database.url,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      JWT_SECRET,
      RATE_LIMIT_GENERAL_PER_MIN: '0',
      LOG_LEVEL: 'info',
    });
    await waitUntilUp(shop, [`${base}/health`]);
    // /health answers once the first worker listens; the primary says "started" once all of them do.
    while (!shop.output().includes('"apiWorkers"')) await new Promise((resolve) => setTimeout(resolve, 200));
  }, 180_000);

  afterAll(async () => {
    await shop?.stop();
    killGroup(shop);
    const redis = createRedis({ url: redisUrl, keyPrefix: prefix });
    await deleteKeysWithPrefix(redis).catch(() => 0);
    redis.disconnect();
    await world?.close();
  });

  /** One POST on a connection of its own (no keep-alive), so that the primary hands requests to both workers. */
  const add = (customer: UserId, product: ProductId, key?: string) =>
    new Promise<{ status: number }>((resolve, reject) => {
      const body = JSON.stringify({ product_id: product, quantity: 1 });
      const req = httpRequest(
        `${base}/api/v1/cart/add`,
        {
          method: 'POST',
          agent: false,
          headers: {
            authorization: `Bearer ${token(customer)}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...(key ? { 'idempotency-key': key } : {}),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  /** GET on a connection of its own, so that successive scrapes go to both workers in turn. */
  const get = (url: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });

  /** The scraped `commands_total{type="AddItemToCart",outcome="ok"}` (0 when absent). */
  const addsCounted = async (url: string) => {
    const { status, body } = await get(url);
    expect(status).toBe(200);
    const line = body
      .split('\n')
      .find(
        (l) =>
          l.startsWith('commands_total{') && l.includes('type="AddItemToCart"') && l.includes('outcome="ok"'),
      );
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  };

  const unitsInCart = async (customer: UserId) =>
    (await world.cart(customer)).lines.reduce((sum, line) => sum + line.quantity, 0);

  it('many concurrent AddToCart on one cart through both processes lose no update', async () => {
    const customer = world.newUser();
    const product = world.newProduct();
    await world.list(product);
    await world.receive(product, 1_000);
    const answers = await Promise.all(Array.from({ length: 48 }, () => add(customer, product)));
    const accepted = answers.filter((a) => a.status === 200).length;
    // A request may lose every retry to the others (409): it then added nothing. None may fail otherwise.
    for (const answer of answers) expect([200, 409]).toContain(answer.status);
    expect(accepted).toBeGreaterThan(0);
    expect(await unitsInCart(customer)).toBe(accepted);
    // Two command-API processes are running (each start line names its worker's pid); the primary hands
    // each new connection to the next of them.
    const pids = new Set(
      shop!
        .output()
        .split('\n')
        .filter((line) => line.includes('"worker":"command-api"') && line.includes('"msg":"started"'))
        .map((line) => (JSON.parse(line) as { pid: number }).pid),
    );
    expect(pids.size).toBe(2);
  });

  it('one Idempotency-Key sent at once through both processes is applied once', async () => {
    const customer = world.newUser();
    const product = world.newProduct();
    await world.list(product);
    await world.receive(product, 1_000);
    const key = `add-${customer}`;
    const answers = await Promise.all(Array.from({ length: 12 }, () => add(customer, product, key)));
    expect(answers.some((a) => a.status === 200)).toBe(true);
    for (const answer of answers) expect([200, 409]).toContain(answer.status);
    expect(await unitsInCart(customer)).toBe(1);
  });

  it('GET /metrics counts the commands of both workers, whichever of them answers', async () => {
    const product = world.newProduct();
    await world.list(product);
    await world.receive(product, 1_000);
    const before = await addsCounted(`${base}/metrics`);
    // K adds to K carts (no contention: each is accepted at once), each on its own connection, so that
    // the primary hands them to both workers.
    const K = 10;
    const answers = await Promise.all(Array.from({ length: K }, () => add(world.newUser(), product)));
    for (const answer of answers) expect(answer.status).toBe(200);
    // Successive scrapes alternate between the two workers; each must report the sum over both.
    const scraped = [];
    for (let i = 0; i < 4; i++) scraped.push(await addsCounted(`${base}/metrics`));
    expect(scraped).toEqual([before + K, before + K, before + K, before + K]);
    // The primary's own /metrics (health port) reports the same sum.
    expect(await addsCounted(`${health}/metrics`)).toBe(before + K);
  });
});
