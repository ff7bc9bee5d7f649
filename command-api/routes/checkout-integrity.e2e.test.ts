import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address, type CheckoutWorld } from '../../application/checkout/test-support.ts';
import type { ProductId, UserId } from '../../domain/shared/ids.ts';
import { type Answer, answer, commandClient } from '../../test/api-client/clients.ts';
import type { components } from '../../test/api-client/command-api.d.ts';
import { assertErrorBody, type TestServer } from '../../test/support/http.ts';
import { startCheckoutHttp } from './checkout-http.test-support.ts';

/**
 * API.md "Checkout integrity" over HTTP, on the real PostgreSQL store and the sandbox provider's ledger:
 * concurrent submissions of one cart place one order and charge once; one active reservation per cart;
 * discontinued lines and moved prices stop checkout, and the cart takes the new price.
 */
type Schemas = components['schemas'];

describe('checkout integrity over HTTP', () => {
  const CONCURRENT = 20;
  let served: Awaited<ReturnType<typeof startCheckoutHttp>>;
  let world: CheckoutWorld;
  let http: TestServer;
  let token: (userId: string) => string;
  beforeAll(async () => {
    served = await startCheckoutHttp('checkout_integrity');
    ({ world, http, token } = served);
  });
  afterAll(async () => {
    await served?.close();
  });

  // Through the client generated from docs/openapi/command-api.json; every answer is checked against its
  // route's declared schema (test/api-client/response-check.ts).
  const as = (userId: string) => commandClient(http.url, token(userId));
  const placeOrder = (
    userId: string,
    body: Schemas['postOrdersBody'],
    headers: Record<string, string> = {},
  ) => answer(as(userId).POST('/api/v1/orders', { body, headers }));
  const reserve = (userId: string) => answer(as(userId).POST('/api/v1/checkout/reservations'));
  const orderBody = (extra: Partial<Schemas['postOrdersBody']> = {}): Schemas['postOrdersBody'] => ({
    shipping_address: address,
    billing_address: address,
    payment_method: { type: 'card', token: 'tok_visa' },
    ...extra,
  });
  async function shopper(quantity = 2, price = 1000, stock = 100) {
    const product: ProductId = world.newProduct();
    await world.receive(product, stock);
    const customer: UserId = world.newUser();
    await world.addToCart(customer, product, quantity, price);
    return { product, customer };
  }
  /** Every order placed for the customer (OrderPlaced in the log) and the provider's charges for them. */
  async function ordersAndCharges(customer: string) {
    const { rows } = await world.pool.query<{ order_id: string }>(
      `SELECT data->>'order_id' AS order_id FROM messages WHERE type = 'OrderPlaced' AND data->>'user_id' = $1`,
      [customer],
    );
    const orderIds = rows.map((r) => r.order_id);
    const { rows: charges } = await world.pool.query(
      'SELECT * FROM sandbox_charges WHERE idempotency_key = ANY($1)',
      [orderIds],
    );
    const calls = world.chargeCalls.filter((call) => orderIds.includes(call.idempotencyKey));
    return { orderIds, charges, calls };
  }
  type Reply = Answer<{ error?: { code?: string } } | undefined>;
  const codeOf = (response: Reply) => response.body?.error?.code ?? '';
  /** Each answer is a 2xx naming `orderId`, or a 409 with one of `codes` (a full API.md error body). */
  function expectOneOrder(answers: Answer<{ order_id: string } & Reply['body']>[], codes: string[]) {
    const placed = answers.filter((a) => a.status >= 200 && a.status < 300);
    expect(placed.length, JSON.stringify(answers.map((a) => [a.status, codeOf(a)]))).toBeGreaterThanOrEqual(
      1,
    );
    const orderId = placed[0]!.body.order_id;
    for (const reply of placed) expect(reply.body.order_id).toBe(orderId);
    for (const refused of answers.filter((a) => a.status < 200 || a.status >= 300)) {
      expect(codes).toContain(codeOf(refused));
      assertErrorBody(refused, 409, codeOf(refused));
    }
    return orderId;
  }

  it(`${CONCURRENT} concurrent POST /orders of one cart with one key: one order, one charge`, async () => {
    const { product, customer } = await shopper(3);
    const key = { 'Idempotency-Key': `same-${customer}` };
    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, () => placeOrder(customer, orderBody(), key)),
    );
    // A duplicate either waited for the first and replays it, or is told the checkout is running.
    const orderId = expectOneOrder(answers, ['BIZ_4010']);
    const { orderIds, charges } = await ordersAndCharges(customer);
    expect(orderIds).toEqual([orderId]);
    expect(charges).toHaveLength(1);
    expect(await world.stock(product)).toMatchObject({ onHand: 97, reserved: 0 });
  });

  it(`${CONCURRENT} concurrent POST /orders of one cart without keys: one order, one charge`, async () => {
    const { product, customer } = await shopper(3);
    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, () => placeOrder(customer, orderBody())),
    );
    const orderId = expectOneOrder(answers, ['BIZ_4010']);
    const { orderIds, charges, calls } = await ordersAndCharges(customer);
    expect(orderIds).toEqual([orderId]);
    expect(charges).toHaveLength(1);
    expect(calls).toHaveLength(1);
    expect(await world.stock(product)).toMatchObject({ onHand: 97, reserved: 0 });
  });

  it(`${CONCURRENT} concurrent POST /orders of one cart, each with its own key: one order, one charge`, async () => {
    const { product, customer } = await shopper(2);
    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, n) =>
        placeOrder(customer, orderBody(), { 'idempotency-key': `order-${customer}-${n}` }),
      ),
    );
    const orderId = expectOneOrder(answers, ['BIZ_4010']);
    const { orderIds, charges, calls } = await ordersAndCharges(customer);
    expect(orderIds).toEqual([orderId]);
    expect(charges).toHaveLength(1);
    expect(calls).toHaveLength(1);
    expect(await world.stock(product)).toMatchObject({ onHand: 98, reserved: 0 });
  });

  it(`${CONCURRENT} concurrent reservations of one cart: one 201, the others 409, one cart's worth held`, async () => {
    const { product, customer } = await shopper(5, 1000, 30);
    const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => reserve(customer)));
    const created = answers.filter((a) => a.status === 201);
    expect(created).toHaveLength(1);
    for (const refused of answers.filter((a) => a.status !== 201)) {
      expect(['BIZ_4010', 'BIZ_4011']).toContain(codeOf(refused));
      assertErrorBody(refused, 409, codeOf(refused));
    }
    expect(await world.stock(product)).toMatchObject({ onHand: 30, reserved: 5 });

    // The cart holds it: another reservation is BIZ_4011, and POST /orders uses it.
    assertErrorBody(await reserve(customer), 409, 'BIZ_4011');
    const ordered = await placeOrder(customer, orderBody());
    expect(ordered.status).toBe(201);
    expect(ordered.body.reservation_id).toBe(created[0]!.body.reservation_id);
    expect(await world.stock(product)).toMatchObject({ onHand: 25, reserved: 0 });
  });

  it('a released reservation frees the cart for the next one', async () => {
    const { product, customer } = await shopper(2);
    const first = await reserve(customer);
    expect(first.status).toBe(201);
    const released = await answer(
      as(customer).DELETE('/api/v1/checkout/reservations/{reservation_id}', {
        params: { path: { reservation_id: first.body.reservation_id } },
      }),
    );
    expect(released.status).toBe(204);
    const second = await reserve(customer);
    expect(second.status).toBe(201);
    expect(await world.stock(product)).toMatchObject({ reserved: 2 });
  });

  it('a discontinued product stops checkout with 409 BIZ_4006 naming the line; nothing held or charged', async () => {
    const { product, customer } = await shopper(1);
    const kept = world.newProduct();
    await world.receive(kept, 10);
    await world.addToCart(customer, kept, 1, 500);
    await world.discontinue(product);
    const before = world.chargeCalls.length;
    for (const send of [() => placeOrder(customer, orderBody()), () => reserve(customer)]) {
      const refused = await send();
      assertErrorBody(refused, 409, 'BIZ_4006');
      expect(refused.body.error.details).toEqual([
        { field: `items.${product}`, message: `Product ${product} is discontinued; remove it from the cart` },
      ]);
    }
    expect(world.chargeCalls.length).toBe(before);
    expect(await world.stock(kept)).toMatchObject({ reserved: 0 });
    expect((await ordersAndCharges(customer)).orderIds).toEqual([]);
  });

  it('a discontinued product in a held reservation stops the order too', async () => {
    const { product, customer } = await shopper(1);
    const reserved = await reserve(customer);
    expect(reserved.status).toBe(201);
    await world.discontinue(product);
    const refused = await placeOrder(customer, orderBody({ reservation_id: reserved.body.reservation_id }));
    assertErrorBody(refused, 409, 'BIZ_4006');
    expect(refused.body.error.details[0]!.field).toBe(`items.${product}`);
    expect((await ordersAndCharges(customer)).orderIds).toEqual([]);
  });

  it('a price raised after adding: 409 BIZ_4005 with old and new price, the cart repriced, then ordered at it', async () => {
    const { product, customer } = await shopper(1, 1000);
    await world.changePrice(product, 10_000);
    const refused = await placeOrder(customer, orderBody());
    assertErrorBody(refused, 409, 'BIZ_4005');
    expect(refused.body.error.details).toEqual([
      {
        field: `items.${product}.unit_price`,
        message: `Product ${product}: price changed from 10.00 USD to 100.00 USD`,
      },
    ]);
    expect((await world.cart(customer)).lines[0]?.unitPrice).toBe(10_000);
    expect(await world.stock(product)).toMatchObject({ reserved: 0 });

    const placed = await placeOrder(customer, orderBody());
    expect(placed.status).toBe(201);
    // 100.00 + tax 8.00, free shipping at 100.00 → 108.00, charged at the price now.
    expect(placed.body).toMatchObject({ subtotal: 100, total: 108 });
    const { charges } = await ordersAndCharges(customer);
    expect(charges).toMatchObject([{ amount: '10800', status: 'succeeded' }]);
  });

  it('a price changed while reserved: the order is refused (BIZ_4005), then placed at the new price', async () => {
    const { product, customer } = await shopper(2, 1000);
    const reserved = await reserve(customer);
    expect(reserved.status).toBe(201);
    await world.changePrice(product, 800);
    const body = orderBody({ reservation_id: reserved.body.reservation_id });
    const refused = await placeOrder(customer, body);
    assertErrorBody(refused, 409, 'BIZ_4005');
    expect(refused.body.error.details[0]!.message).toContain('from 10.00 USD to 8.00 USD');
    expect((await world.cart(customer)).lines[0]?.unitPrice).toBe(800);
    const placed = await placeOrder(customer, body);
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ subtotal: 16, items: [{ unit_price: 8 }] });
    expect(await world.stock(product)).toMatchObject({ onHand: 98, reserved: 0 });
  });
});
