import type { Express } from 'express';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address, type CheckoutWorld, createCheckoutWorld } from '../../application/checkout/test-support.ts';
import { CONCURRENT_CHECKOUT_MS } from '../../domain/cart/checkout-rules.ts';
import type { UserId } from '../../domain/shared/ids.ts';
import { loadConfig } from '../../infra/config.ts';
import { createRedis, deleteKeysWithPrefix } from '../../infra/redis/client.ts';
import { answer, commandClient, invalid } from '../../test/api-client/clients.ts';
import type { components } from '../../test/api-client/command-api.d.ts';
import { assertErrorBody, startTestServer, type TestServer } from '../../test/support/http.ts';
import { redisUrl, testKeyPrefix } from '../../test/support/isolation.ts';
import { commandApiContext, createCommandApi } from '../app.ts';
import { checkoutRoutesWith } from './checkout.ts';
import { identityRoutes } from './identity.ts';
import { orderRoutesWith } from './orders.ts';

/** The checkout over HTTP: status codes, bodies and error codes exactly as API.md says. */
describe('checkout and orders over HTTP', () => {
  let world: CheckoutWorld;
  let redis: Redis;
  let http: TestServer;
  let token: (userId: string, role?: 'customer' | 'admin') => string;
  beforeAll(async () => {
    world = await createCheckoutWorld('checkout_http');
    redis = createRedis({ url: redisUrl, keyPrefix: testKeyPrefix('checkout_http') });
    const config = loadConfig({
      NODE_ENV: 'test',
      JWT_SECRET: 'checkout-e2e-secret-0123456789abcdef',
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
    const routes = [
      identityRoutes,
      checkoutRoutesWith(() => world.services),
      orderRoutesWith(() => world.services),
    ];
    const app: Express = createCommandApi({ ...options, routes });
    const { tokens } = commandApiContext(options);
    token = (userId, role = 'customer') => tokens.issuePair({ userId, role }).accessToken;
    http = await startTestServer(app);
  });
  afterAll(async () => {
    await http?.close();
    await deleteKeysWithPrefix(redis).catch(() => 0);
    redis?.disconnect();
    await world?.close();
  });

  // Through the client generated from docs/openapi/command-api.json; every answer is checked against its
  // route's declared schema (test/api-client/response-check.ts).
  type Schemas = components['schemas'];
  type Role = 'customer' | 'admin';
  const as = (userId: string, role?: Role) => commandClient(http.url, token(userId, role));
  const at = (order_id: string) => ({ params: { path: { order_id } } });
  const reserve = (userId: string) => answer(as(userId).POST('/api/v1/checkout/reservations'));
  const release = (reservation_id: string, userId: string) =>
    answer(
      as(userId).DELETE('/api/v1/checkout/reservations/{reservation_id}', {
        params: { path: { reservation_id } },
      }),
    );
  /** An order body; some tests break it on purpose, so the server judges it, not tsc. */
  const place = (userId: string, body: Record<string, unknown>) =>
    answer(as(userId).POST('/api/v1/orders', { body: body as Schemas['postOrdersBody'] }));
  const cancel = (order_id: string, userId: string, body: Schemas['postOrdersOrderIdCancelBody']) =>
    answer(as(userId).POST('/api/v1/orders/{order_id}/cancel', { ...at(order_id), body }));
  const processOrder = (order_id: string, userId: string, role?: Role) =>
    answer(as(userId, role).POST('/api/v1/orders/{order_id}/process', at(order_id)));
  const ship = (order_id: string, userId: string, body: Schemas['postOrdersOrderIdShipBody'], role?: Role) =>
    answer(as(userId, role).POST('/api/v1/orders/{order_id}/ship', { ...at(order_id), body }));
  const deliver = (order_id: string, userId: string, role?: Role) =>
    answer(as(userId, role).POST('/api/v1/orders/{order_id}/deliver', at(order_id)));
  const orderBody = (extra: Record<string, unknown> = {}) => ({
    shipping_address: address,
    billing_address: address,
    payment_method: { type: 'card', token: 'tok_visa' },
    ...extra,
  });
  const expectError = assertErrorBody;
  async function shopper(quantity = 2, price = 1999, stock = 10) {
    const product = world.newProduct();
    await world.receive(product, stock);
    const customer: UserId = world.newUser();
    await world.addToCart(customer, product, quantity, price);
    return { product, customer };
  }

  it('cart → reservation → confirmed order → cancellation with refund', async () => {
    const { product, customer } = await shopper(2, 1999);
    const reserved = await reserve(customer);
    expect(reserved.status).toBe(201);
    expect(reserved.body).toEqual({
      reservation_id: expect.stringMatching(/^rsv_/),
      items: [{ product_id: product, quantity: 2 }],
      expires_at: expect.any(String),
    });
    expect(reserved.headers.get('x-consistency-token')).toMatch(/^\d+\.\d+$/);

    const placed = await place(customer, orderBody({ reservation_id: reserved.body.reservation_id }));
    expect(placed.status).toBe(201);
    // 2 × 19.99 = 39.98; tax 3.20 (half-even of 3.1984); shipping 10.00 → 53.18
    expect(placed.body).toMatchObject({
      status: 'confirmed',
      subtotal: 39.98,
      tax: 3.2,
      shipping_cost: 10,
      total: 53.18,
      currency: 'USD',
      items: [{ product_id: product, quantity: 2, unit_price: 19.99, subtotal: 39.98 }],
      payment_method: { type: 'card', token_hint: '****visa' },
    });
    expect(JSON.stringify(placed.body)).not.toContain('tok_visa');

    const cancelled = await cancel(placed.body.order_id, customer, {
      reason: 'changed my mind',
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      order_id: placed.body.order_id,
      status: 'cancelled',
      cancelled_at: expect.any(String),
      refund_status: 'refunded',
      refund_amount: 53.18,
    });
    expect(await world.stock(product)).toMatchObject({ onHand: 10, reserved: 0 });
  });

  it('admin moves an order along; illegal moves are 409 BIZ_4006; customers may not', async () => {
    const { customer } = await shopper();
    const { body: order } = await place(customer, orderBody());
    const admin = 'usr_admin_e2e';
    expectError(await processOrder(order.order_id, customer), 403, 'AUTH_1004');
    expectError(await ship(order.order_id, admin, { tracking_number: '1Z' }, 'admin'), 409, 'BIZ_4006');
    expect((await processOrder(order.order_id, admin, 'admin')).body.status).toBe('processing');
    expectError(await ship(order.order_id, admin, invalid({}), 'admin'), 400, 'VAL_2002');
    const shipped = await ship(order.order_id, admin, { tracking_number: '1Z999AA1' }, 'admin');
    expect(shipped.body).toMatchObject({ status: 'shipped', tracking_number: '1Z999AA1' });
    expectError(await cancel(order.order_id, customer, { reason: 'late' }), 409, 'BIZ_4006');
    expect((await deliver(order.order_id, admin, 'admin')).body.status).toBe('delivered');
    expectError(await deliver(order.order_id, admin, 'admin'), 409, 'BIZ_4006');
    expectError(await processOrder('ord_missing', admin, 'admin'), 404, 'RES_3001');
    // A malformed id is an unknown order, as GET /orders/{id} answers it: ids cannot be probed.
    expectError(await processOrder('not-an-order', admin, 'admin'), 404, 'RES_3001');
    expectError(await cancel('xyz', customer, { reason: 'no such order' }), 404, 'RES_3001');
  });

  it('honours If-Match on an order: a stale revision is 412 and moves nothing, the current one passes', async () => {
    const { customer } = await shopper();
    const { body: order, headers } = await place(customer, orderBody());
    const admin = 'usr_admin_e2e';
    const placedAt = headers.get('etag')!;
    const withIfMatch = (ifMatch: string, path: 'process' | 'deliver') =>
      answer(
        as(admin, 'admin').POST(`/api/v1/orders/{order_id}/${path}`, {
          ...at(order.order_id),
          headers: { 'If-Match': ifMatch },
        }),
      );
    const processed = await withIfMatch(placedAt, 'process');
    expect(processed.body.status).toBe('processing');
    // The admin acted on the order as placed; it has moved on since.
    expectError(await withIfMatch(placedAt, 'deliver'), 412, 'RES_3003');
    expectError(await withIfMatch('garbage', 'deliver'), 400, 'VAL_2001');
    const staleCancel = await answer(
      as(customer).POST('/api/v1/orders/{order_id}/cancel', {
        ...at(order.order_id),
        body: { reason: 'stale view' },
        headers: { 'If-Match': placedAt },
      }),
    );
    expectError(staleCancel, 412, 'RES_3003');
    const current = processed.headers.get('etag')!;
    expect(current).not.toBe(placedAt);
    const cancelled = await answer(
      as(customer).POST('/api/v1/orders/{order_id}/cancel', {
        ...at(order.order_id),
        body: { reason: 'current view' },
        headers: { 'If-Match': current },
      }),
    );
    expect(cancelled.body).toMatchObject({ status: 'cancelled', reason: 'current view' });

    // If-Match tells a stranger nothing: someone else's order, and one that does not exist, are 404
    // whatever the revision (a 412 for all but the real one would give both away).
    const stranger = world.newUser();
    for (const [id, ifMatch] of [
      [order.order_id, placedAt],
      [order.order_id, current],
      ['ord_nobody', '"0"'],
    ] as const) {
      const probe = await answer(
        as(stranger).POST('/api/v1/orders/{order_id}/cancel', {
          ...at(id),
          body: { reason: 'probe' },
          headers: { 'If-Match': ifMatch },
        }),
      );
      expectError(probe, 404, 'RES_3001');
    }
    expectError(
      await answer(
        as(admin, 'admin').POST('/api/v1/orders/{order_id}/process', {
          ...at('ord_nobody'),
          headers: { 'If-Match': '"0"' },
        }),
      ),
      404,
      'RES_3001',
    );
  });

  it('answers the refusals of the contract', async () => {
    expectError(await reserve(world.newUser()), 409, 'BIZ_4003');

    const short = await shopper(5, 1000, 3);
    const insufficient = await reserve(short.customer);
    expectError(insufficient, 409, 'BIZ_4001');
    expect(insufficient.body.error.details).toEqual([
      { field: `items.${short.product}.quantity`, message: 'requested 5, only 3 available' },
    ]);

    const { product, customer } = await shopper();
    const declined = await place(
      customer,
      orderBody({ payment_method: { type: 'card', token: 'tok_declined' } }),
    );
    expectError(declined, 402, 'BIZ_4004');
    expect((await world.stock(product)).reserved).toBe(2); // kept until it lapses

    const other = await shopper();
    const unavailable = await place(
      other.customer,
      orderBody({ payment_method: { type: 'card', token: 'tok_unavailable' } }),
    );
    expectError(unavailable, 503, 'SYS_5002');
    expect(unavailable.headers.get('retry-after')).toBeTruthy();

    const incomplete = await place(customer, orderBody({ shipping_address: { street: '1 Main St' } }));
    expectError(incomplete, 400, 'VAL_2002');
    expectError(await place(world.newUser(), orderBody({ reservation_id: 'rsv_unknown' })), 404, 'RES_3001');
  });

  it('answers a submission after the cart was checked out with BIZ_4003, not the last order', async () => {
    const { customer } = await shopper();
    const placed = await place(customer, orderBody());
    expect(placed.status).toBe(201);
    world.clock.advance(CONCURRENT_CHECKOUT_MS + 1_000); // a new submission, not one beside the first
    try {
      expectError(await place(customer, orderBody()), 409, 'BIZ_4003');
    } finally {
      world.clock.advance(-(CONCURRENT_CHECKOUT_MS + 1_000));
    }
  });

  it('DELETE a reservation: 204 for its owner, 404 for anyone else; 410 BIZ_4007 once lapsed', async () => {
    const { product, customer } = await shopper();
    const { body } = await reserve(customer);
    expectError(await release(body.reservation_id, world.newUser()), 404, 'RES_3001');
    expect((await release(body.reservation_id, customer)).status).toBe(204);
    expect((await world.stock(product)).reserved).toBe(0);

    const late = await shopper();
    const { body: lapsing } = await reserve(late.customer);
    world.clock.advance(601_000);
    try {
      expectError(
        await place(late.customer, orderBody({ reservation_id: lapsing.reservation_id })),
        410,
        'BIZ_4007',
      );
    } finally {
      world.clock.advance(-601_000);
    }
  });
});
