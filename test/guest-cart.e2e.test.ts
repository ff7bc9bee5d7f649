import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandApiContext, createCommandApi } from '../command-api/app.ts';
import { bootstrapAdmin } from '../command-api/identity/bootstrap-admin.ts';
import { signUp } from '../command-api/test-support.ts';
import { cartDecider, cartStream } from '../domain/cart/cart.ts';
import type { UserId } from '../domain/shared/ids.ts';
import { createCommandHandler } from '../infra/commands/command-handler.ts';
import { loadConfig } from '../infra/config.ts';
import { guestIdFor } from '../infra/http/cart-token.ts';
import { startProcessManager } from '../process-manager/start.ts';
import { createProjectionService, type ProjectionService } from '../projections/service.ts';
import { createReadSideForTest, type ReadSideForTest } from '../projections/test-support.ts';
import { startQueryApiForTest } from '../query-api/test-support.ts';
import { startTestServer, type TestServer } from './support/http.ts';

/** Guest carts over the real command and query APIs: X-Cart-Token, merge on login, refusals. */
let side: ReadSideForTest;
let service: ProjectionService;
let command: TestServer;
let query: Awaited<ReturnType<typeof startQueryApiForTest>>;
let adminToken: string;

beforeAll(async () => {
  side = await createReadSideForTest('guest_cart_e2e');
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: 'guest-cart-e2e-secret-0123456789abcdefgh',
    RATE_LIMIT_AUTH_PER_MIN: '0',
    RATE_LIMIT_CHECKOUT_PER_MIN: '0',
    RATE_LIMIT_GENERAL_PER_MIN: '0',
    LOG_LEVEL: 'silent',
  });
  const deps = { store: side.store, redis: side.redis, config, logger: side.logger };
  const context = commandApiContext(deps);
  command = await startTestServer(createCommandApi({ ...deps, context }));
  query = await startQueryApiForTest(side, {
    authenticator: context.authenticator,
    consistencyWaitMs: 15_000,
  });
  service = createProjectionService(side.deps, { leaseRetryMs: 50, heartbeatMs: 100 });
  service.start();
  const admin = { email: 'guest-cart-admin@example.com', password: 'Admin#Pass123' };
  await bootstrapAdmin(context, admin);
  adminToken = (await command.request('POST', '/api/v1/users/login', { body: admin })).body.access_token;
});

afterAll(async () => {
  await query?.close();
  await command?.close();
  await service?.stop();
  await side?.close();
});

async function product(price: number) {
  const response = await command.request('POST', '/api/v1/products', {
    token: adminToken,
    body: { name: `Thing ${price}`, price, category: 'Things', initial_stock: 500 },
  });
  expect(response.status).toBe(201);
  return response.body.product_id as string;
}
const asGuest = (method: string, path: string, cartToken?: string, body?: unknown) =>
  command.request(method, `/api/v1${path}`, {
    headers: cartToken ? { 'X-Cart-Token': cartToken } : {},
    ...(body !== undefined ? { body } : {}),
  });
const head = async () =>
  (await side.pool.query<{ n: string }>('SELECT count(*) AS n FROM messages')).rows[0]!.n;
const streamEvents = async (stream: string) =>
  (
    await side.pool.query<{ type: string; data: unknown }>(
      'SELECT type, data FROM messages WHERE stream_name = $1 ORDER BY stream_revision',
      [stream],
    )
  ).rows;
const guestStream = (token: string) => `cart-gst_${createHash('sha256').update(token).digest('hex')}`;
const readCart = (headers: Record<string, string>, consistency?: string | null, bearer?: string) =>
  query.http.request('GET', '/api/v1/cart', {
    ...(bearer ? { token: bearer } : {}),
    headers: { ...headers, ...(consistency ? { 'X-Consistency-Token': consistency } : {}) },
  });

async function guestCart(lines: [string, number][]) {
  let token: string | undefined;
  let consistency: string | null = null;
  for (const [productId, quantity] of lines) {
    const added = await asGuest('POST', '/cart/add', token, { product_id: productId, quantity });
    expect(added.status).toBe(200);
    token ??= added.headers.get('x-cart-token') ?? undefined;
    consistency = added.headers.get('x-consistency-token');
  }
  return { token: token!, consistency };
}

describe('guest carts by X-Cart-Token', () => {
  it('the first add issues an opaque token; later calls and GET /cart use it; the log never holds it', async () => {
    const lamp = await product(20);
    const first = await asGuest('POST', '/cart/add', undefined, { product_id: lamp, quantity: 2 });
    expect(first.status).toBe(200);
    const token = first.headers.get('x-cart-token')!;
    expect(token).toMatch(/^gct_[A-Za-z0-9_-]{43}$/);
    expect(first.body).toMatchObject({ user_id: null, item_count: 2 });
    const second = await asGuest('POST', '/cart/add', token, { product_id: lamp, quantity: 1 });
    expect(second.status).toBe(200);
    expect(second.headers.get('x-cart-token')).toBeNull();
    expect(second.body.items).toMatchObject([{ product_id: lamp, quantity: 3 }]);
    const line = second.body.items[0].cart_item_id as string;
    const updated = await asGuest('PUT', '/cart/update', token, { cart_item_id: line, quantity: 5 });
    expect(updated.body.items).toMatchObject([{ quantity: 5 }]);

    const read = await readCart({ 'X-Cart-Token': token }, updated.headers.get('x-consistency-token'));
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ user_id: null, items: [{ product_id: lamp, quantity: 5 }] });

    const events = await streamEvents(guestStream(token));
    expect(events.map((e) => e.type)).toEqual([
      'CartCreated',
      'ItemAddedToCart',
      'ItemAddedToCart',
      'CartItemQuantityChanged',
    ]);
    const { rows } = await side.pool.query(
      'SELECT count(*)::int AS n FROM messages WHERE data::text LIKE $1',
      [`%${token.slice(4)}%`],
    );
    expect(rows[0].n).toBe(0);
  });

  it('refuses a malformed or unknown token with 401 AUTH_1003 and appends nothing', async () => {
    const lamp = await product(21);
    for (const bad of ['usr_abc', 'gct_short', `gct_${'A'.repeat(43)}`]) {
      const before = await head();
      const response = await asGuest('POST', '/cart/add', bad, { product_id: lamp, quantity: 1 });
      expect({ status: response.status, code: response.body.error?.code }).toEqual({
        status: 401,
        code: 'AUTH_1003',
      });
      expect(await head()).toBe(before);
    }
    const malformedRead = await readCart({ 'X-Cart-Token': 'not-a-token' });
    expect(malformedRead.status).toBe(401);
    expect(malformedRead.body.error.code).toBe('AUTH_1003');
    const neither = await readCart({});
    expect({ status: neither.status, code: neither.body.error?.code }).toEqual({
      status: 401,
      code: 'AUTH_1003',
    });
  });

  it('a retried first add (same Idempotency-Key) hands back the same token and one cart', async () => {
    const lamp = await product(23);
    const send = () =>
      command.request('POST', '/api/v1/cart/add', {
        headers: { 'Idempotency-Key': `guest-first-${lamp}` },
        body: { product_id: lamp, quantity: 1 },
      });
    const first = await send();
    const retry = await send();
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    const token = first.headers.get('x-cart-token')!;
    expect(retry.headers.get('x-cart-token')).toBe(token);
    expect((await streamEvents(guestStream(token))).filter((e) => e.type === 'ItemAddedToCart')).toHaveLength(
      1,
    );
  });

  it("another guest's cart stays apart: its items are unknown with my token (404)", async () => {
    const lamp = await product(22);
    const mine = await guestCart([[lamp, 1]]);
    const theirs = await guestCart([[lamp, 2]]);
    const theirLine = (await asGuest('POST', '/cart/add', theirs.token, { product_id: lamp, quantity: 1 }))
      .body.items[0].cart_item_id;
    const before = await head();
    const response = await asGuest('DELETE', `/cart/items/${theirLine}`, mine.token);
    expect(response.status).toBe(404);
    expect(await head()).toBe(before);
  });
});

describe('merge on login', () => {
  it('three concurrent logins with one token merge once: quantities added, capped at 99, priced now', async () => {
    const lamp = await product(30);
    const rug = await product(40);
    const customer = await signUp(command);
    const own = await command.request('POST', '/api/v1/cart/add', {
      token: customer.accessToken,
      body: { product_id: lamp, quantity: 5 },
    });
    expect(own.status).toBe(200);
    const guest = await guestCart([
      [lamp, 97],
      [rug, 3],
    ]);
    const repriced = await command.request('PUT', `/api/v1/products/${rug}/price`, {
      token: adminToken,
      body: { price: 45 },
    });
    expect(repriced.status).toBe(200);

    const logins = await Promise.all(
      [1, 2, 3].map(() =>
        command.request('POST', '/api/v1/users/login', {
          headers: { 'X-Cart-Token': guest.token },
          body: { email: customer.email, password: customer.password },
        }),
      ),
    );
    expect(logins.map((l) => l.status)).toEqual([200, 200, 200]);

    const customerEvents = await streamEvents(`cart-${customer.userId}`);
    expect(customerEvents.filter((e) => e.type === 'CartMergedFromGuest')).toHaveLength(1);
    const guestEvents = await streamEvents(guestStream(guest.token));
    expect(guestEvents.filter((e) => e.type === 'GuestCartMerged')).toHaveLength(1);

    const cart = await command.request('POST', '/api/v1/cart/add', {
      token: customer.accessToken,
      body: { product_id: rug, quantity: 1 },
    });
    const byProduct = Object.fromEntries(
      (cart.body.items as { product_id: string; quantity: number; price: number }[]).map((i) => [
        i.product_id,
        [i.quantity, i.price],
      ]),
    );
    expect(byProduct).toEqual({ [lamp]: [99, 30], [rug]: [4, 45] });

    // The guest cart is gone: its token opens nothing any more.
    const before = await head();
    const reuse = await asGuest('POST', '/cart/add', guest.token, { product_id: lamp, quantity: 1 });
    expect({ status: reuse.status, code: reuse.body.error?.code }).toEqual({
      status: 401,
      code: 'AUTH_1003',
    });
    expect(await head()).toBe(before);
    const read = await readCart({ 'X-Cart-Token': guest.token }, cart.headers.get('x-consistency-token'));
    expect(read.status).toBe(401);
  });

  it('a login after a crash between closing the guest cart and merging it finishes the merge', async () => {
    const lamp = await product(31);
    const customer = await signUp(command);
    const guest = await guestCart([[lamp, 2]]);
    // The first step alone, as a login that died right after it would leave things.
    const handler = createCommandHandler({ store: side.store });
    await handler.handle({
      decider: cartDecider,
      stream: cartStream(guestIdFor(guest.token)),
      command: {
        type: 'CloseGuestCart',
        data: {
          userId: guestIdFor(guest.token),
          intoUserId: customer.userId as UserId,
          now: new Date().toISOString(),
        },
      },
      metadata: { correlation_id: 'crash-test' },
    });
    for (let i = 0; i < 2; i++) {
      const login = await command.request('POST', '/api/v1/users/login', {
        headers: { 'X-Cart-Token': guest.token },
        body: { email: customer.email, password: customer.password },
      });
      expect(login.status).toBe(200);
    }
    const events = await streamEvents(`cart-${customer.userId}`);
    expect(events.filter((e) => e.type === 'CartMergedFromGuest')).toHaveLength(1);
    expect(events.find((e) => e.type === 'CartMergedFromGuest')!.data).toMatchObject({
      lines: [{ product_id: lamp, quantity: 2, line_quantity: 2 }],
    });
  });

  it('a login with a malformed cart token is refused and merges nothing', async () => {
    const customer = await signUp(command);
    const before = await head();
    const login = await command.request('POST', '/api/v1/users/login', {
      headers: { 'X-Cart-Token': 'gct_nope' },
      body: { email: customer.email, password: customer.password },
    });
    expect({ status: login.status, code: login.body.error?.code }).toEqual({
      status: 401,
      code: 'AUTH_1003',
    });
    expect(await head()).toBe(before);
  });
});

describe('expiry through the APIs', () => {
  it('an idle guest cart expires (CartExpired) and GET /cart then shows it empty', async () => {
    const manager = await startProcessManager({
      store: side.store,
      pool: side.pool,
      logger: side.logger,
      timings: { guestCartTtlMs: 1_000 },
      claim: { maxIdleMs: 500 },
    });
    try {
      const lamp = await product(24);
      const guest = await guestCart([[lamp, 2]]);
      let expired: { type: string }[] = [];
      for (let i = 0; i < 300 && expired.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        expired = (await streamEvents(guestStream(guest.token))).filter((e) => e.type === 'CartExpired');
      }
      expect(expired).toHaveLength(1);
      let read = await readCart({ 'X-Cart-Token': guest.token });
      for (let i = 0; i < 100 && read.body.items?.length !== 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        read = await readCart({ 'X-Cart-Token': guest.token });
      }
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ items: [], item_count: 0, user_id: null });
      // The token still opens the cart: the next add starts it again.
      const again = await asGuest('POST', '/cart/add', guest.token, { product_id: lamp, quantity: 1 });
      expect(again.body).toMatchObject({ items: [{ product_id: lamp, quantity: 1 }] });
    } finally {
      await manager.stop();
    }
  });
});
