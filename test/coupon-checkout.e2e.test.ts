import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer } from './api-client/clients.ts';
import type { components } from './api-client/command-api.d.ts';
import { type PricingShop, startPricingShop } from './support/pricing-shop.ts';

/** Coupons on the cart (API.md), redeemed exactly at checkout, given back by a cancelled order. */
let shop: PricingShop;
let product: string;

beforeAll(async () => {
  shop = await startPricingShop('coupon_checkout_e2e');
  product = await shop.product(100, 'Audio', 5_000);
  await shop.addRule({
    name: 'Audio sale',
    kind: 'sale',
    percent_off: 20,
    scope: { category: 'audio' },
  });
  await shop.addCoupon({ code: 'SAVE-10', percent_off: 10, min_subtotal: 50 });
  await shop.settle();
});

afterAll(async () => {
  await shop?.close();
});

// Through the clients generated from docs/openapi/*.json (test/support/pricing-shop.ts).
type Schemas = components['schemas'];
const addToCart = (bearer: string, body: Schemas['postCartAddBody']) =>
  answer(shop.as(bearer).POST('/api/v1/cart/add', { body }));
const applyCoupon = (bearer: string, body: Schemas['postCartCouponBody']) =>
  answer(shop.as(bearer).POST('/api/v1/cart/coupon', { body }));
const placeOrder = (bearer: string) =>
  answer(shop.as(bearer).POST('/api/v1/orders', { body: shop.orderBody() }));

describe('POST /cart/coupon, DELETE /cart/coupon', () => {
  it('puts a coupon on the cart (any case), shows its discount before tax; refuses bad codes', async () => {
    const customer = shop.mintCustomer();
    const apply = (code: string) => applyCoupon(customer.accessToken, { code });
    const empty = await apply('SAVE-10');
    expect({ status: empty.status, code: empty.body.error.code }).toEqual({ status: 409, code: 'BIZ_4009' });
    await addToCart(customer.accessToken, { product_id: product, quantity: 1 });
    const applied = await apply('save-10');
    // 100.00 − 20 % sale = 80.00 ≥ 50.00: usable.
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({
      subtotal: 80,
      discount: 8,
      coupon: 'SAVE-10',
      tax: 5.76,
      total: 77.76,
    });
    expect(applied.body.items[0]).toMatchObject({ list_price: 100, unit_price: 80 });

    const unknown = await apply('NOPE-404');
    expect({ status: unknown.status, code: unknown.body.error.code }).toEqual({
      status: 404,
      code: 'RES_3001',
    });
    const bad = await apply('bad code!');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]!.field).toBe('code');

    await shop.settle();
    const viewed = await answer(shop.reads(customer.accessToken).GET('/api/v1/cart'));
    expect(viewed.body).toMatchObject({ coupon: 'SAVE-10', discount: 8, total: 77.76 });
    const removed = await answer(shop.as(customer.accessToken).DELETE('/api/v1/cart/coupon'));
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ coupon: null, discount: 0, subtotal: 80 });
  });
});

describe('a coupon at checkout', () => {
  it('is redeemed by the order, which keeps each line’s steps; a cancelled order gives it back', async () => {
    const customer = shop.mintCustomer();
    await addToCart(customer.accessToken, { product_id: product, quantity: 2 });
    await applyCoupon(customer.accessToken, { code: 'SAVE-10' });
    const placed = await placeOrder(customer.accessToken);
    expect(placed.status).toBe(201);
    // 2 × 80.00 = 160.00; coupon 10 % = 16.00; tax 8 % of 144.00 = 11.52; free shipping → 155.52
    const order = {
      subtotal: 160,
      discount: 16,
      coupon: 'SAVE-10',
      tax: 11.52,
      shipping_cost: 0,
      total: 155.52,
      items: [
        {
          list_price: 100,
          unit_price: 80,
          steps: [
            { step: 'base', label: 'List price', unit_price: 100 },
            { step: 'sale', rule_id: expect.stringMatching(/^prl_/), label: 'Audio sale', unit_price: 80 },
          ],
        },
      ],
    };
    expect(placed.body).toMatchObject({ ...order, status: 'confirmed' });
    await shop.settle();
    const shown = await answer(
      shop.reads(customer.accessToken).GET('/api/v1/orders/{order_id}', {
        params: { path: { order_id: placed.body.order_id } },
      }),
    );
    expect(shown.body).toMatchObject(order);
    // The audit API's state of the order is the same fold: the steps and the coupon are there too.
    const audited = await answer(
      shop.reads(shop.adminToken).GET('/api/v1/audit/{aggregate_type}/{aggregate_id}/state', {
        params: { path: { aggregate_type: 'order', aggregate_id: placed.body.order_id } },
      }),
    );
    expect(audited.status, audited.text).toBe(200);
    expect(JSON.stringify(audited.body)).toContain('"coupon":"SAVE-10"');
    expect(JSON.stringify(audited.body)).toContain('"step":"sale"');

    // Used once (max_per_customer 1): the same customer cannot use it again…
    await addToCart(customer.accessToken, { product_id: product, quantity: 1 });
    const again = await applyCoupon(customer.accessToken, { code: 'SAVE-10' });
    expect(again.body.error?.code).toBe('BIZ_4009');
    // …until the order is cancelled and gives its redemption back.
    const cancelled = await answer(
      shop.as(customer.accessToken).POST('/api/v1/orders/{order_id}/cancel', {
        params: { path: { order_id: placed.body.order_id } },
        body: { reason: 'changed my mind' },
      }),
    );
    expect(cancelled.status).toBe(200);
    const reused = await applyCoupon(customer.accessToken, { code: 'SAVE-10' });
    expect(reused.status).toBe(200);
    const second = await placeOrder(customer.accessToken);
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ coupon: 'SAVE-10', discount: 8 });
  });

  it('an order refused for its address takes nothing: no stock, no cart lock, no redemption', async () => {
    await shop.addCoupon({ code: 'ONLY-ONE', amount_off: 5, max_redemptions: 1 });
    const customer = shop.mintCustomer();
    await addToCart(customer.accessToken, { product_id: product, quantity: 1 });
    await applyCoupon(customer.accessToken, { code: 'ONLY-ONE' });
    const head = await shop.side.store.headPosition();
    const { billing_address, ...rest } = shop.orderBody();
    for (const bad of [{ city: ' ' }, { street: 'x'.repeat(300) }]) {
      const refused = await answer(
        shop.as(customer.accessToken).POST('/api/v1/orders', {
          body: { ...rest, billing_address: { ...billing_address, ...bad } },
        }),
      );
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe(bad.city ? 'VAL_2002' : 'VAL_2001');
    }
    // Nothing appended: no reservation, no attached order, no redemption of the coupon's only use.
    expect(await shop.side.store.headPosition()).toEqual(head);
    const corrected = await placeOrder(customer.accessToken);
    expect(corrected.status, corrected.text).toBe(201);
    expect(corrected.body).toMatchObject({ status: 'confirmed', coupon: 'ONLY-ONE', discount: 5 });
  });

  it('100 concurrent checkouts with a coupon of max_redemptions 10 confirm exactly 10 orders with it', async () => {
    await shop.addCoupon({ code: 'LIMITED-10', amount_off: 5, max_redemptions: 10 });
    const products = await Promise.all(Array.from({ length: 20 }, () => shop.product(30, 'Books', 100)));
    const shoppers = Array.from({ length: 100 }, () => shop.mintCustomer());
    for (const [i, shopper] of shoppers.entries()) {
      await addToCart(shopper.accessToken, { product_id: products[i % 20]!, quantity: 1 });
      const applied = await applyCoupon(shopper.accessToken, { code: 'LIMITED-10' });
      expect(applied.status).toBe(200);
    }
    const answers = await Promise.all(shoppers.map((shopper) => placeOrder(shopper.accessToken)));
    const placed = answers.filter((reply) => reply.status === 201);
    const refused = answers.filter((reply) => reply.status !== 201);
    expect(placed).toHaveLength(10);
    for (const reply of placed)
      expect(reply.body).toMatchObject({ status: 'confirmed', coupon: 'LIMITED-10', discount: 5 });
    expect(new Set(refused.map((reply) => `${reply.status} ${reply.body.error?.code}`))).toEqual(
      new Set(['409 BIZ_4009']),
    );
  }, 300_000);
});
