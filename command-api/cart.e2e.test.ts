import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address } from '../application/checkout/test-support.ts';
import { type Answer, answer, commandClient, invalid } from '../test/api-client/clients.ts';
import type { components } from '../test/api-client/command-api.d.ts';
import {
  createProduct,
  lateSandboxPayments,
  refused,
  type ShopApi,
  startShopApi,
} from './catalog/e2e-fixtures.ts';
import { signUp } from './test-support.ts';

let api: ShopApi;
let token: string;
const sandbox = lateSandboxPayments();
beforeAll(async () => {
  api = await startShopApi('cart_e2e', { payments: sandbox.payments });
  await sandbox.attach(api.db.url);
});
afterAll(async () => {
  await sandbox.close();
  await api?.close();
});

// Every call goes through the client generated from docs/openapi/command-api.json, and every answer is
// checked against its route's declared schema (test/api-client/response-check.ts).
type Schemas = components['schemas'];
const client = () => commandClient(api.http.url, token);
const admin = () => commandClient(api.http.url, api.adminToken);

/** A fresh customer per test, so carts do not leak between tests. */
async function newCustomer() {
  token = (await signUp(api.http)).accessToken;
  return token;
}
const addToCart = (body: Schemas['postCartAddBody'], headers: Record<string, string> = {}) =>
  answer(client().POST('/api/v1/cart/add', { body, headers }));
const updateLine = (body: Schemas['putCartUpdateBody'], headers: Record<string, string> = {}) =>
  answer(client().PUT('/api/v1/cart/update', { body, headers }));
const removeLine = (cart_item_id: string) =>
  answer(client().DELETE('/api/v1/cart/items/{cart_item_id}', { params: { path: { cart_item_id } } }));
const clearCart = () => answer(client().DELETE('/api/v1/cart'));

async function expectRefused<R extends Answer<unknown>>(
  send: () => Promise<R>,
  status: number,
  code: string,
) {
  const { response, appended } = await refused(api, send);
  const body = response.body as { error?: { code?: string } } | undefined;
  expect({ status: response.status, code: body?.error?.code }).toEqual({ status, code });
  expect(appended).toBe(false);
  return response;
}

const product = (overrides: Record<string, unknown> = {}) =>
  createProduct(api.http, api.adminToken, { initial_stock: 50, ...overrides });

describe('POST /cart/add', () => {
  it('adds a line and answers the whole cart with totals in two decimals, ETag and consistency token', async () => {
    await newCustomer();
    const shoe = await product();
    const response = await addToCart({ product_id: shoe.product_id, quantity: 2 });
    expect(response.status).toBe(200);
    const userId = response.body.user_id as string;
    expect(userId).toMatch(/^usr_/);
    expect(response.body).toEqual({
      cart_id: `cart_${userId.slice(4)}`,
      user_id: userId,
      items: [
        {
          cart_item_id: expect.stringMatching(/^item_/),
          product_id: shoe.product_id,
          product_name: 'Trail Runner 2',
          quantity: 2,
          price: 19.99,
          list_price: 19.99,
          unit_price: 19.99,
          applied_rules: [],
          subtotal: 39.98,
          image: 'https://img.example.com/trail-runner-2.jpg',
        },
      ],
      subtotal: 39.98,
      discount: 0,
      coupon: null,
      tax: 3.2, // 8 % of 39.98 = 3.1984, half-even to 3.20
      total: 43.18,
      currency: 'USD',
      item_count: 2,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    // CartCreated and ItemAddedToCart: the cart stream stands at revision 1.
    expect(response.headers.get('etag')).toBe('"1"');
    expect(response.headers.get('x-consistency-token')).toBeTruthy();
  });

  it('merges a second add of the same product into its line, and accepts the current price', async () => {
    await newCustomer();
    const shoe = await product();
    const first = await addToCart({ product_id: shoe.product_id, quantity: 1 });
    const second = await addToCart({ product_id: shoe.product_id, quantity: 3, price: 19.99 });
    expect(second.status).toBe(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0]!).toMatchObject({
      cart_item_id: first.body.items[0]!.cart_item_id,
      quantity: 4,
    });
    expect(second.body).toMatchObject({ subtotal: 79.96, item_count: 4 });
    const other = await addToCart({
      product_id: (await product({ price: 5 })).product_id,
      quantity: 1,
    });
    expect(other.body.items).toHaveLength(2);
    expect(other.body).toMatchObject({ subtotal: 84.96, tax: 6.8, total: 91.76, item_count: 5 });
  });

  it('is 404 RES_3001 for an unknown, malformed or discontinued product', async () => {
    await newCustomer();
    await expectRefused(() => addToCart({ product_id: 'prd_unknown', quantity: 1 }), 404, 'RES_3001');
    await expectRefused(() => addToCart({ product_id: 'unknown-product', quantity: 1 }), 404, 'RES_3001');
    const gone = await product();
    await admin().POST('/api/v1/products/{product_id}/discontinue', {
      params: { path: { product_id: gone.product_id } },
    });
    await expectRefused(() => addToCart({ product_id: gone.product_id, quantity: 1 }), 404, 'RES_3001');
  });

  it('is 400 BIZ_4002 outside 1..99 per line, counting what the line already holds', async () => {
    await newCustomer();
    const shoe = await product({ initial_stock: 500 });
    for (const quantity of [0, -1, 100, 1.5])
      await expectRefused(() => addToCart({ product_id: shoe.product_id, quantity }), 400, 'BIZ_4002');
    expect((await addToCart({ product_id: shoe.product_id, quantity: 98 })).status).toBe(200);
    await expectRefused(() => addToCart({ product_id: shoe.product_id, quantity: 2 }), 400, 'BIZ_4002');
    expect((await addToCart({ product_id: shoe.product_id, quantity: 1 })).body.items[0]!.quantity).toBe(99);
  });

  it('is 409 BIZ_4001 beyond what is available now (and with no stock at all)', async () => {
    await newCustomer();
    const scarce = await product({ initial_stock: 3 });
    const response = await expectRefused(
      () => addToCart({ product_id: scarce.product_id, quantity: 4 }),
      409,
      'BIZ_4001',
    );
    expect(response.body.error.details).toEqual([{ field: 'quantity', message: 'only 3 available' }]);
    expect((await addToCart({ product_id: scarce.product_id, quantity: 3 })).status).toBe(200);
    await expectRefused(() => addToCart({ product_id: scarce.product_id, quantity: 1 }), 409, 'BIZ_4001');
    const none = await createProduct(api.http, api.adminToken);
    await expectRefused(() => addToCart({ product_id: none.product_id, quantity: 1 }), 409, 'BIZ_4001');
  });

  it('is 409 BIZ_4005 when the price sent is no longer the price', async () => {
    await newCustomer();
    const shoe = await product();
    await admin().PUT('/api/v1/products/{product_id}/price', {
      params: { path: { product_id: shoe.product_id } },
      body: { price: 24.5 },
    });
    const response = await expectRefused(
      () => addToCart({ product_id: shoe.product_id, quantity: 1, price: 19.99 }),
      409,
      'BIZ_4005',
    );
    expect(response.body.error.details).toEqual([{ field: 'price', message: 'current price is 24.50 USD' }]);
    const ok = await addToCart({ product_id: shoe.product_id, quantity: 1, price: 24.5 });
    expect(ok.body.items[0]!.price).toBe(24.5);
  });

  it('validates the body before anything else', async () => {
    await newCustomer();
    await expectRefused(() => addToCart(invalid({ quantity: 1 })), 400, 'VAL_2002');
    await expectRefused(() => addToCart(invalid({ product_id: 'prd_x' })), 400, 'VAL_2002');
    await expectRefused(() => addToCart(invalid({ product_id: 'prd_x', quantity: 'two' })), 400, 'VAL_2001');
    await expectRefused(() => addToCart({ product_id: 'prd_x', quantity: 1, price: -1 }), 400, 'VAL_2001');
    await expectRefused(() => addToCart(invalid({ product_id: 42, quantity: 1 })), 400, 'VAL_2001');
  });

  it('replays an idempotent retry without appending; the same key with another body is 422', async () => {
    await newCustomer();
    const shoe = await product();
    const key = { 'Idempotency-Key': 'add-shoe-1' };
    const first = await addToCart({ product_id: shoe.product_id, quantity: 1 }, key);
    expect(first.status).toBe(200);
    const { response, appended } = await refused(api, () =>
      addToCart({ quantity: 1, product_id: shoe.product_id }, key),
    );
    expect(appended).toBe(false);
    expect(response.status).toBe(200);
    expect(response.text).toBe(first.text);
    expect(response.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(response.body.items[0]!.quantity).toBe(1);
    await expectRefused(() => addToCart({ product_id: shoe.product_id, quantity: 2 }, key), 422, 'VAL_2004');
  });
});

describe('who may use a cart', () => {
  // Without Authorization a cart route serves a guest (API.md "Guest carts"): test/guest-cart.e2e.test.ts.
  it('is 401 for a bad bearer or a malformed cart token and 403 AUTH_1004 for an admin, on every cart route', async () => {
    type Caller = { bearer?: string; headers?: Record<string, string> };
    const routes: ((caller: Caller) => Promise<Answer<unknown>>)[] = [
      ({ bearer, headers }) =>
        answer(
          commandClient(api.http.url, bearer).POST('/api/v1/cart/add', {
            headers,
            body: { product_id: 'prd_x', quantity: 1 },
          }),
        ),
      ({ bearer, headers }) =>
        answer(
          commandClient(api.http.url, bearer).PUT('/api/v1/cart/update', {
            headers,
            body: { cart_item_id: 'item_x', quantity: 1 },
          }),
        ),
      ({ bearer, headers }) =>
        answer(
          commandClient(api.http.url, bearer).DELETE('/api/v1/cart/items/{cart_item_id}', {
            headers,
            params: { path: { cart_item_id: 'item_x' } },
          }),
        ),
      ({ bearer, headers }) =>
        answer(commandClient(api.http.url, bearer).DELETE('/api/v1/cart', { headers })),
    ];
    for (const send of routes) {
      await expectRefused(() => send({ bearer: 'not-a-jwt' }), 401, 'AUTH_1003');
      await expectRefused(() => send({ headers: { 'X-Cart-Token': 'gct_malformed' } }), 401, 'AUTH_1003');
      await expectRefused(() => send({ bearer: api.adminToken }), 403, 'AUTH_1004');
    }
  });
});

describe('PUT /cart/update', () => {
  it('sets a line quantity, checks stock only when it grows, and 0 removes the line', async () => {
    await newCustomer();
    const shoe = await product({ initial_stock: 5 });
    const added = await addToCart({ product_id: shoe.product_id, quantity: 2 });
    const itemId = added.body.items[0]!.cart_item_id;
    const grown = await updateLine({ cart_item_id: itemId, quantity: 5 });
    expect(grown.status).toBe(200);
    expect(grown.body).toMatchObject({ item_count: 5, subtotal: 99.95 });
    expect(grown.headers.get('etag')).toBe('"2"');
    await expectRefused(() => updateLine({ cart_item_id: itemId, quantity: 6 }), 409, 'BIZ_4001');
    await admin().POST('/api/v1/inventory/{product_id}/adjust', {
      params: { path: { product_id: shoe.product_id } },
      body: { quantity: -4, reason: 'damaged' },
    });
    const lowered = await updateLine({ cart_item_id: itemId, quantity: 3 });
    expect(lowered.status).toBe(200);
    const removed = await updateLine({ cart_item_id: itemId, quantity: 0 });
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ items: [], subtotal: 0, tax: 0, total: 0, item_count: 0 });
  });

  it('refuses an unknown item (404), quantities outside 0..99 (BIZ_4002) and bad bodies', async () => {
    await newCustomer();
    const shoe = await product();
    const itemId = (await addToCart({ product_id: shoe.product_id, quantity: 1 })).body.items[0]!
      .cart_item_id;
    await expectRefused(() => updateLine({ cart_item_id: 'item_unknown', quantity: 1 }), 404, 'RES_3001');
    await expectRefused(() => updateLine({ cart_item_id: 'nonsense', quantity: 1 }), 404, 'RES_3001');
    await expectRefused(() => updateLine({ cart_item_id: itemId, quantity: 100 }), 400, 'BIZ_4002');
    await expectRefused(() => updateLine({ cart_item_id: itemId, quantity: -1 }), 400, 'BIZ_4002');
    await expectRefused(() => updateLine(invalid({ cart_item_id: itemId })), 400, 'VAL_2002');
  });

  it('honours If-Match on the cart: a stale revision is 412 RES_3003', async () => {
    await newCustomer();
    const shoe = await product();
    const added = await addToCart({ product_id: shoe.product_id, quantity: 1 });
    const itemId = added.body.items[0]!.cart_item_id;
    const etag = added.headers.get('etag') as string;
    expect((await updateLine({ cart_item_id: itemId, quantity: 2 }, { 'If-Match': etag })).status).toBe(200);
    await expectRefused(
      () => updateLine({ cart_item_id: itemId, quantity: 3 }, { 'If-Match': etag }),
      412,
      'RES_3003',
    );
  });
});

describe('DELETE /cart/items/{cart_item_id}', () => {
  it("removes the caller's line; another user's item is 404, not 403, and untouched", async () => {
    const owner = await newCustomer();
    const shoe = await product();
    const added = await addToCart({ product_id: shoe.product_id, quantity: 2 });
    const itemId = added.body.items[0]!.cart_item_id;

    await newCustomer();
    await expectRefused(() => removeLine(itemId), 404, 'RES_3001');
    await expectRefused(() => updateLine({ cart_item_id: itemId, quantity: 1 }), 404, 'RES_3001');

    token = owner;
    const removed = await removeLine(itemId);
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ items: [], item_count: 0, total: 0 });
    expect(removed.headers.get('x-consistency-token')).toBeTruthy();
    await expectRefused(() => removeLine(itemId), 404, 'RES_3001');
  });
});

describe('DELETE /cart', () => {
  it('empties the cart with 204; clearing an empty cart appends nothing', async () => {
    await newCustomer();
    const shoe = await product();
    await addToCart({ product_id: shoe.product_id, quantity: 2 });
    const cleared = await clearCart();
    expect(cleared.status).toBe(204);
    expect(cleared.text).toBe('');
    expect(cleared.headers.get('etag')).toBe('"2"');
    expect(cleared.headers.get('x-consistency-token')).toBeTruthy();
    const again = await refused(api, () => clearCart());
    expect(again.response.status).toBe(204);
    expect(again.appended).toBe(false);
    const next = await addToCart({ product_id: shoe.product_id, quantity: 1 });
    expect(next.body).toMatchObject({ item_count: 1 });
  });
});

describe('a cart being checked out', () => {
  const reserve = () => answer(client().POST('/api/v1/checkout/reservations'));
  const placeOrder = () =>
    answer(
      client().POST('/api/v1/orders', {
        body: {
          shipping_address: address,
          billing_address: address,
          payment_method: { type: 'card', token: 'tok_visa' },
        },
      }),
    );

  it('keeps its lines (409 BIZ_4010, nothing appended) while reserved; the order charges what it shows', async () => {
    await newCustomer();
    const shoe = await product({ price: 10 });
    const sock = await product({ name: 'Sock', price: 5 });
    const added = await addToCart({ product_id: shoe.product_id, quantity: 3 });
    const lineId = added.body.items[0]!.cart_item_id;
    const reserved = await reserve();
    expect(reserved.status).toBe(201);
    const reservationId = reserved.body.reservation_id;
    for (const edit of [
      () => clearCart(),
      () => updateLine({ cart_item_id: lineId, quantity: 1 }),
      () => removeLine(lineId),
      () => addToCart({ product_id: sock.product_id, quantity: 1 }),
    ]) {
      const answered = await expectRefused(edit, 409, 'BIZ_4010');
      expect((answered.body as { error: { details: unknown } }).error.details).toEqual([
        { field: 'reservation_id', message: reservationId },
      ]);
    }
    const placed = await placeOrder();
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      reservation_id: reservationId,
      subtotal: 30,
      items: [{ product_id: shoe.product_id, quantity: 3 }],
    });
    // Checked out: the cart takes changes again.
    expect((await addToCart({ product_id: sock.product_id, quantity: 1 })).status).toBe(200);
  });

  it('takes changes again once its reservation is released; emptied, it has nothing to order', async () => {
    await newCustomer();
    const shoe = await product();
    await addToCart({ product_id: shoe.product_id, quantity: 2 });
    const reserved = await reserve();
    await expectRefused(() => clearCart(), 409, 'BIZ_4010');
    const released = await answer(
      client().DELETE('/api/v1/checkout/reservations/{reservation_id}', {
        params: { path: { reservation_id: reserved.body.reservation_id } },
      }),
    );
    expect(released.status).toBe(204);
    expect((await clearCart()).status).toBe(204);
    await expectRefused(() => placeOrder(), 409, 'BIZ_4003');
  });
});

it('a login during a checkout leaves the guest cart as it is; a login after the checkout merges it', async () => {
  const lamp = await product({ name: 'Lamp' });
  const shoe = await product();
  const guest = commandClient(api.http.url);
  const guestAdd = (cartToken?: string) =>
    answer(
      guest.POST('/api/v1/cart/add', {
        body: { product_id: lamp.product_id, quantity: 1 },
        headers: cartToken ? { 'X-Cart-Token': cartToken } : {},
      }),
    );
  const cartToken = (await guestAdd()).headers.get('x-cart-token')!;
  const customer = await signUp(api.http);
  token = customer.accessToken;
  await addToCart({ product_id: shoe.product_id, quantity: 2 });
  const reserved = await answer(client().POST('/api/v1/checkout/reservations'));
  expect(reserved.status).toBe(201);
  const login = () =>
    answer(
      guest.POST('/api/v1/users/login', {
        headers: { 'X-Cart-Token': cartToken },
        body: { email: customer.email, password: customer.password },
      }),
    );
  expect((await login()).status).toBe(200);
  // Still the token's open guest cart: another add lands in it.
  expect((await guestAdd(cartToken)).body).toMatchObject({ item_count: 2 });

  const released = await answer(
    client().DELETE('/api/v1/checkout/reservations/{reservation_id}', {
      params: { path: { reservation_id: reserved.body.reservation_id } },
    }),
  );
  expect(released.status).toBe(204);
  expect((await login()).status).toBe(200);
  const merged = await addToCart({ product_id: shoe.product_id, quantity: 1 });
  expect(merged.body.items.map((line) => [line.product_id, line.quantity]).sort()).toEqual(
    [
      [lamp.product_id, 2],
      [shoe.product_id, 3],
    ].sort(),
  );
});
