import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer } from './api-client/clients.ts';
import type { components } from './api-client/command-api.d.ts';
import { type PricingShop, startPricingShop, withExampleRules } from './support/pricing-shop.ts';

/** A variant line through both APIs and checkout: seed 003's example, 500 + 50, ten at 10 %, gold 15 %. */
let shop: PricingShop;
let laptop: string;
let variant: { variant_id: string; sku: string };
let customer: Awaited<ReturnType<PricingShop['customer']>>;

beforeAll(async () => {
  shop = await startPricingShop('cart_variant_pricing_e2e');
  laptop = await shop.product(500);
  const added = await addVariant({
    sku: `LAP-32-${laptop.slice(-6)}`,
    options: { memory: '32GB' },
    price_adjustment: 50,
    initial_stock: 20,
  });
  variant = added.body;
  customer = await withExampleRules(shop);
});

afterAll(async () => {
  await shop?.close();
});

// Through the clients generated from docs/openapi/*.json (test/support/pricing-shop.ts).
type Schemas = components['schemas'];
const addVariant = (body: Schemas['postProductsProductIdVariantsBody']) =>
  answer(
    shop.admin.POST('/api/v1/products/{product_id}/variants', {
      params: { path: { product_id: laptop } },
      body,
    }),
  );
const addToCart = (bearer: string, body: Schemas['postCartAddBody']) =>
  answer(shop.as(bearer).POST('/api/v1/cart/add', { body }));
const viewCart = (bearer: string) => answer(shop.reads(bearer).GET('/api/v1/cart'));
const viewLaptop = () =>
  answer(shop.reads().GET('/api/v1/products/{product_id}', { params: { path: { product_id: laptop } } }));

describe('a variant line priced by the engine', () => {
  it('adds, shows and orders the variant at 420.75 (its adjustment the variant step)', async () => {
    const added = await addToCart(customer.accessToken, {
      product_id: laptop,
      variant_id: variant.variant_id,
      quantity: 10,
    });
    expect(added.status, added.text).toBe(200);
    const line = {
      product_id: laptop,
      variant_id: variant.variant_id,
      sku: variant.sku,
      variant_options: { memory: '32GB' },
      quantity: 10,
      list_price: 550,
      unit_price: 420.75,
    };
    expect(added.body.items).toEqual([expect.objectContaining(line)]);
    await shop.settle();
    // GET /cart prices a variant line from the variants read model: wait for it too (the product's
    // detail reads it with the same consistency token).
    expect((await viewLaptop()).status).toBe(200);
    const viewed = await viewCart(customer.accessToken);
    expect(viewed.status).toBe(200);
    expect(viewed.body.items).toEqual([expect.objectContaining({ ...line, in_stock: true })]);

    // Without the tier the view prices the variant now (not the price the line holds): 550 → 10 % = 495.
    await shop.setTier(customer.userId, { tier: 'none' });
    await shop.settle();
    expect((await viewLaptop()).status).toBe(200);
    const untiered = await viewCart(customer.accessToken);
    expect(untiered.body.items[0]).toMatchObject({ list_price: 550, unit_price: 495 });
    await shop.setTier(customer.userId, { tier: 'gold' });
    await shop.settle();

    const placed = await answer(
      shop.as(customer.accessToken).POST('/api/v1/orders', { body: shop.orderBody() }),
    );
    expect(placed.status, placed.text).toBe(201);
    expect(placed.body.items).toEqual([
      expect.objectContaining({
        product_id: laptop,
        variant_id: variant.variant_id,
        sku: variant.sku,
        list_price: 550,
        unit_price: 420.75,
      }),
    ]);
    expect(placed.body.items[0]!.steps.map((step) => step.step)).toEqual([
      'base',
      'variant',
      'quantity',
      'tier',
    ]);
  });
});

describe('two variant lines of one product', () => {
  it('removing one leaves its sibling, in the answer and in GET /cart', async () => {
    const sibling = await addVariant({
      sku: `LAP-64-${laptop.slice(-6)}`,
      options: { memory: '64GB' },
      price_adjustment: 150,
      initial_stock: 5,
    });
    expect(sibling.status, sibling.text).toBe(201);
    const buyer = await shop.customer();
    for (const v of [variant.variant_id, sibling.body.variant_id])
      expect(
        (await addToCart(buyer.accessToken, { product_id: laptop, variant_id: v, quantity: 1 })).status,
      ).toBe(200);
    await shop.settle();
    const before = await viewCart(buyer.accessToken);
    const line = before.body.items.find((i) => i.variant_id === variant.variant_id)!;
    const removed = await answer(
      shop.as(buyer.accessToken).DELETE('/api/v1/cart/items/{cart_item_id}', {
        params: { path: { cart_item_id: line.cart_item_id } },
      }),
    );
    expect(removed.status, removed.text).toBe(200);
    const left = [expect.objectContaining({ product_id: laptop, variant_id: sibling.body.variant_id })];
    expect(removed.body.items).toEqual(left);
    await shop.settle();
    expect((await viewCart(buyer.accessToken)).body.items).toEqual(left);
  });
});
