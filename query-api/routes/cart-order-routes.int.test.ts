import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { positionToString } from '../../infra/eventstore/position.ts';
import { at, createFixtureWriter } from '../../projections/orders/test-events.ts';
import { createProjectionService, type ProjectionService } from '../../projections/service.ts';
import { createReadSideForTest, type ReadSideForTest } from '../../projections/test-support.ts';
import { assertErrorBody } from '../../test/support/http.ts';
import { startQueryApiForTest } from '../test-support.ts';

let side: ReadSideForTest;
let service: ProjectionService;
let api: Awaited<ReturnType<typeof startQueryApiForTest>>;
let w: ReturnType<typeof createFixtureWriter>;
const get = (path: string, token?: string, headers: Record<string, string> = {}) =>
  api.http.request('GET', `/api/v1${path}`, { ...(token ? { token } : {}), headers });
const alice = () => api.token('customer', 'usr_alice');
const bob = () => api.token('customer', 'usr_bob');

beforeAll(async () => {
  side = await createReadSideForTest('orderroutes');
  service = createProjectionService(side.deps, { leaseRetryMs: 50, heartbeatMs: 100 });
  service.start();
  w = createFixtureWriter(side.store);
  await w.placeOrder('ord_a1', 'usr_alice', [{ product: 'prd_x', quantity: 2, price: 1_250 }], 10);
  await w.confirmOrder('ord_a1', 3_700);
  await w.placeOrder('ord_a2', 'usr_alice', [{ product: 'prd_y', quantity: 1, price: 20_000 }], 12);
  await w.placeOrder('ord_a3', 'usr_alice', [{ product: 'prd_x', quantity: 1, price: 1_250 }], 14);
  await w.confirmOrder('ord_a3', 2_350, 15);
  await w.shipOrder('ord_a3');
  await w.stock('prd_x', 10);
  await w.stock('prd_y', 1);
  await w.addToCart('usr_alice', 'item_1', { product: 'prd_x', quantity: 3, price: 1_250 });
  await w.addToCart('usr_alice', 'item_2', { product: 'prd_y', quantity: 2, price: 20_000 });
  const head = await w.placeOrder(
    'ord_b1',
    'usr_bob',
    [{ product: 'prd_y', quantity: 1, price: 20_000 }],
    16,
  );
  expect(await service.waitFor(head, 20_000)).toBe(true);
  api = await startQueryApiForTest(side, { consistencyWaitMs: 10_000 });
});

afterAll(async () => {
  await api?.close();
  await service.stop();
  await side.close();
});

describe('GET /orders', () => {
  it('a customer sees their own orders, newest first, with a status filter', async () => {
    const res = await get('/orders', alice());
    expect(res.status).toBe(200);
    expect(res.body.orders.map((o: { order_id: string }) => o.order_id)).toEqual([
      'ord_a3',
      'ord_a2',
      'ord_a1',
    ]);
    expect(res.body.orders[2]).toEqual({
      order_id: 'ord_a1',
      user_id: 'usr_alice',
      status: 'confirmed',
      total: 37,
      currency: 'USD',
      item_count: 2,
      created_at: at(10),
    });
    expect(res.body.pagination).toEqual({ page: 1, limit: 20, total_items: 3, total_pages: 1 });
    const shipped = await get('/orders?status=shipped', alice());
    expect(shipped.body.orders.map((o: { order_id: string }) => o.order_id)).toEqual(['ord_a3']);
    const paged = await get('/orders?page=2&limit=2', alice());
    expect(paged.body.orders.map((o: { order_id: string }) => o.order_id)).toEqual(['ord_a1']);
    expect(paged.body.pagination).toEqual({ page: 2, limit: 2, total_items: 3, total_pages: 2 });
  });

  it('an admin sees everyone’s orders', async () => {
    const res = await get('/orders', api.token('admin', 'usr_admin'));
    expect(res.body.orders.map((o: { order_id: string }) => o.order_id)).toEqual([
      'ord_b1',
      'ord_a3',
      'ord_a2',
      'ord_a1',
    ]);
    const pending = await get('/orders?status=pending', api.token('admin', 'usr_admin'));
    expect(pending.body.pagination.total_items).toBe(2);
  });

  it('400 VAL_2001 for pagination out of range or an unknown status; 401 without a token; 403 for an auditor', async () => {
    for (const q of ['page=0', 'limit=0', 'limit=101', 'page=abc', 'status=lost'])
      assertErrorBody(await get(`/orders?${q}`, alice()), 400, 'VAL_2001');
    assertErrorBody(await get('/orders'), 401, 'AUTH_1003');
    assertErrorBody(await get('/orders', api.token('auditor')), 403, 'AUTH_1004');
  });
});

describe('GET /orders/{order_id}', () => {
  it('the owner sees the full order: items, addresses, totals, tracking number, timestamps', async () => {
    const res = await get('/orders/ord_a3', alice());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      order_id: 'ord_a3',
      user_id: 'usr_alice',
      status: 'shipped',
      items: [
        { product_id: 'prd_x', product_name: 'Name of prd_x', quantity: 1, unit_price: 12.5, subtotal: 12.5 },
      ],
      subtotal: 12.5,
      tax: 1,
      shipping_cost: 10,
      total: 23.5,
      currency: 'USD',
      shipping_address: { city: 'Springfield', country: 'US' },
      billing_address: { postal_code: '62701' },
      tracking_number: 'TRK-ord_a3',
      payment_id: 'pay_ord_a3',
      created_at: at(14),
      updated_at: at(21),
    });
    expect(res.body.timestamps).toMatchObject({
      placed_at: at(14),
      confirmed_at: at(15),
      shipped_at: at(21),
    });
  });

  it("another user's order is 404 RES_3001 like an unknown one; an admin sees any order", async () => {
    assertErrorBody(await get('/orders/ord_b1', alice()), 404, 'RES_3001');
    assertErrorBody(await get('/orders/ord_nope', alice()), 404, 'RES_3001');
    assertErrorBody(await get('/orders/not-an-id', alice()), 404, 'RES_3001');
    expect((await get('/orders/ord_b1', bob())).status).toBe(200);
    expect((await get('/orders/ord_a1', api.token('admin'))).body.user_id).toBe('usr_alice');
    assertErrorBody(await get('/orders/ord_a1'), 401, 'AUTH_1003');
  });

  it('honours X-Consistency-Token right after an append', async () => {
    const token = positionToString(await w.cancelOrder('ord_a2', 'usr_alice', 'pending', 0));
    const res = await get('/orders/ord_a2', alice(), { 'X-Consistency-Token': token });
    expect(res.body).toMatchObject({ status: 'cancelled', cancellation: { reason: 'changed my mind' } });
    const placed = positionToString(
      await w.placeOrder('ord_a4', 'usr_alice', [{ product: 'prd_x', quantity: 1, price: 1_250 }], 40),
    );
    const list = await get('/orders', alice(), { 'X-Consistency-Token': placed });
    expect(list.body.orders[0].order_id).toBe('ord_a4');
  });
});

describe('GET /cart', () => {
  it("the caller's cart with totals and in_stock per line", async () => {
    const res = await get('/cart', alice());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      cart_id: 'cart_alice',
      user_id: 'usr_alice',
      subtotal: 437.5,
      discount: 0,
      coupon: null,
      tax: 35,
      total: 472.5,
      currency: 'USD',
      item_count: 5,
      created_at: at(1),
    });
    expect(res.body.items).toEqual([
      {
        cart_item_id: 'item_1',
        product_id: 'prd_x',
        product_name: 'Name of prd_x',
        quantity: 3,
        price: 12.5,
        // The catalog read model holds no prd_x here: the line shows the price the cart holds, no rules.
        list_price: 12.5,
        unit_price: 12.5,
        applied_rules: [],
        subtotal: 37.5,
        image: null,
        in_stock: true,
      },
      expect.objectContaining({ cart_item_id: 'item_2', quantity: 2, in_stock: false }),
    ]);
  });

  it('an empty cart for a customer who never added anything; 401 without a token, 403 for an admin', async () => {
    const res = await get('/cart', bob());
    expect(res.body).toMatchObject({ cart_id: 'cart_bob', user_id: 'usr_bob', items: [], total: 0 });
    assertErrorBody(await get('/cart'), 401, 'AUTH_1003');
    assertErrorBody(await get('/cart', api.token('admin')), 403, 'AUTH_1004');
  });

  it('honours X-Consistency-Token right after an append (cart and stock)', async () => {
    await w.addToCart('usr_bob', 'item_9', { product: 'prd_y', quantity: 1, price: 20_000 });
    const token = positionToString(await w.stock('prd_y', 0));
    const res = await get('/cart', bob(), { 'X-Consistency-Token': token });
    expect(res.body.items).toEqual([expect.objectContaining({ cart_item_id: 'item_9', in_stock: false })]);
    const restocked = positionToString(await w.stock('prd_y', 5));
    const again = await get('/cart', bob(), { 'X-Consistency-Token': restocked });
    expect(again.body.items[0].in_stock).toBe(true);
  });
});
