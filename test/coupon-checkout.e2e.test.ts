import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PricingShop, startPricingShop } from './support/pricing-shop.ts';

/** Coupons on the cart (API.md), redeemed exactly at checkout, given back by a cancelled order. */
let shop: PricingShop;
let product: string;

beforeAll(async () => {
  shop = await startPricingShop('coupon_checkout_e2e');
  product = await shop.product(100, 'Audio', 5_000);
  await shop.adminSend('POST', '/pricing/rules', {
    name: 'Audio sale',
    kind: 'sale',
    percent_off: 20,
    scope: { category: 'audio' },
  });
  await shop.adminSend('POST', '/coupons', { code: 'SAVE-10', percent_off: 10, min_subtotal: 50 });
  await shop.settle();
});

afterAll(async () => {
  await shop?.close();
});

describe('POST /cart/coupon, DELETE /cart/coupon', () => {
  it('puts a coupon on the cart (any case), shows its discount before tax; refuses bad codes', async () => {
    const customer = shop.mintCustomer();
    const send = (method: 'POST' | 'DELETE', path: string, body?: unknown) =>
      shop.send(method, path, customer.accessToken, body);
    const empty = await send('POST', '/cart/coupon', { code: 'SAVE-10' });
    expect({ status: empty.status, code: empty.body.error.code }).toEqual({ status: 409, code: 'BIZ_4009' });
    await send('POST', '/cart/add', { product_id: product, quantity: 1 });
    const applied = await send('POST', '/cart/coupon', { code: 'save-10' });
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

    const unknown = await send('POST', '/cart/coupon', { code: 'NOPE-404' });
    expect({ status: unknown.status, code: unknown.body.error.code }).toEqual({
      status: 404,
      code: 'RES_3001',
    });
    const bad = await send('POST', '/cart/coupon', { code: 'bad code!' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('code');

    await shop.settle();
    const viewed = await shop.read('/cart', customer.accessToken);
    expect(viewed.body).toMatchObject({ coupon: 'SAVE-10', discount: 8, total: 77.76 });
    const removed = await send('DELETE', '/cart/coupon');
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ coupon: null, discount: 0, subtotal: 80 });
  });
});

describe('a coupon at checkout', () => {
  it('is redeemed by the order, which keeps each line’s steps; a cancelled order gives it back', async () => {
    const customer = shop.mintCustomer();
    await shop.send('POST', '/cart/add', customer.accessToken, { product_id: product, quantity: 2 });
    await shop.send('POST', '/cart/coupon', customer.accessToken, { code: 'SAVE-10' });
    const placed = await shop.send('POST', '/orders', customer.accessToken, shop.orderBody());
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
    const shown = await shop.read(`/orders/${placed.body.order_id}`, customer.accessToken);
    expect(shown.body).toMatchObject(order);
    // The audit API's state of the order is the same fold: the steps and the coupon are there too.
    const audited = await shop.read(`/audit/order/${placed.body.order_id}/state`, shop.adminToken);
    expect(audited.status, audited.text).toBe(200);
    expect(JSON.stringify(audited.body)).toContain('"coupon":"SAVE-10"');
    expect(JSON.stringify(audited.body)).toContain('"step":"sale"');

    // Used once (max_per_customer 1): the same customer cannot use it again…
    await shop.send('POST', '/cart/add', customer.accessToken, { product_id: product, quantity: 1 });
    const again = await shop.send('POST', '/cart/coupon', customer.accessToken, { code: 'SAVE-10' });
    expect(again.body.error?.code).toBe('BIZ_4009');
    // …until the order is cancelled and gives its redemption back.
    const cancelled = await shop.send(
      'POST',
      `/orders/${placed.body.order_id}/cancel`,
      customer.accessToken,
      {
        reason: 'changed my mind',
      },
    );
    expect(cancelled.status).toBe(200);
    const reused = await shop.send('POST', '/cart/coupon', customer.accessToken, { code: 'SAVE-10' });
    expect(reused.status).toBe(200);
    const second = await shop.send('POST', '/orders', customer.accessToken, shop.orderBody());
    expect(second.status).toBe(201);
    expect(second.body).toMatchObject({ coupon: 'SAVE-10', discount: 8 });
  });

  it('100 concurrent checkouts with a coupon of max_redemptions 10 confirm exactly 10 orders with it', async () => {
    await shop.adminSend('POST', '/coupons', { code: 'LIMITED-10', amount_off: 5, max_redemptions: 10 });
    const products = await Promise.all(Array.from({ length: 20 }, () => shop.product(30, 'Books', 100)));
    const shoppers = Array.from({ length: 100 }, () => shop.mintCustomer());
    for (const [i, shopper] of shoppers.entries()) {
      await shop.send('POST', '/cart/add', shopper.accessToken, {
        product_id: products[i % 20],
        quantity: 1,
      });
      const applied = await shop.send('POST', '/cart/coupon', shopper.accessToken, { code: 'LIMITED-10' });
      expect(applied.status).toBe(200);
    }
    const answers = await Promise.all(
      shoppers.map((shopper) => shop.send('POST', '/orders', shopper.accessToken, shop.orderBody())),
    );
    const placed = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status !== 201);
    expect(placed).toHaveLength(10);
    for (const answer of placed)
      expect(answer.body).toMatchObject({ status: 'confirmed', coupon: 'LIMITED-10', discount: 5 });
    expect(new Set(refused.map((answer) => `${answer.status} ${answer.body.error?.code}`))).toEqual(
      new Set(['409 BIZ_4009']),
    );
  }, 300_000);
});
