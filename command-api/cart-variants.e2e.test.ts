import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, answer, commandClient } from '../test/api-client/clients.ts';
import type { components } from '../test/api-client/command-api.d.ts';
import { createProduct, refused, type ShopApi, startShopApi } from './catalog/e2e-fixtures.ts';
import { signUp } from './test-support.ts';

let api: ShopApi;
beforeAll(async () => {
  api = await startShopApi('cart_variants_e2e');
});
afterAll(async () => {
  await api?.close();
});

// Every call goes through the client generated from docs/openapi/command-api.json, and every answer is
// checked against its route's declared schema (test/api-client/response-check.ts).
type Schemas = components['schemas'];
const admin = () => commandClient(api.http.url, api.adminToken);
const addVariant = (product_id: string, body: Schemas['postProductsProductIdVariantsBody']) =>
  answer(admin().POST('/api/v1/products/{product_id}/variants', { params: { path: { product_id } }, body }));
/** Adds to the customer's cart, or (token '') to a new guest cart. */
const addToCart = (body: Schemas['postCartAddBody'], token = api.customer.accessToken) =>
  answer(commandClient(api.http.url, token || undefined).POST('/api/v1/cart/add', { body }));

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

/** A tee sold in M (+5.00, 3 in stock) and L (no adjustment, 10 in stock). */
async function teeInSizes() {
  const product = await createProduct(api.http, api.adminToken, { name: 'Tee', price: 20 });
  const productId = product.product_id;
  const m = await addVariant(productId, {
    sku: `TEE-M-${productId.slice(-6)}`,
    options: { size: 'M' },
    price_adjustment: 5,
    initial_stock: 3,
  });
  const l = await addVariant(productId, {
    sku: `TEE-L-${productId.slice(-6)}`,
    options: { size: 'L' },
    price_adjustment: 0,
    initial_stock: 10,
  });
  return { productId, m: m.body, l: l.body };
}

describe('POST /cart/add with variant_id', () => {
  it('carts a variant on its own line, priced with its adjustment, showing variant_id, sku and options', async () => {
    const { productId, m, l } = await teeInSizes();
    await addToCart({ product_id: productId, variant_id: m.variant_id, quantity: 2 });
    const response = await addToCart({ product_id: productId, variant_id: l.variant_id, quantity: 1 });
    expect(response.status).toBe(200);
    const lines = response.body.items.filter((item) => item.product_id === productId);
    expect(lines).toEqual([
      expect.objectContaining({
        variant_id: m.variant_id,
        sku: m.sku,
        variant_options: { size: 'M' },
        quantity: 2,
        list_price: 25,
        unit_price: 25,
        subtotal: 50,
      }),
      expect.objectContaining({
        variant_id: l.variant_id,
        sku: l.sku,
        variant_options: { size: 'L' },
        unit_price: 20,
      }),
    ]);
    const events = await api.store.readStream(`cart-${api.customer.userId}`);
    expect(events.filter((e) => e.type === 'ItemAddedToCart').at(-1)?.data).toMatchObject({
      schema_version: 2,
      variant_id: l.variant_id,
      sku: l.sku,
      variant_options: { size: 'L' },
    });
    const merged = await addToCart({ product_id: productId, variant_id: m.variant_id, quantity: 1 });
    expect(
      merged.body.items
        .filter((item) => item.product_id === productId)
        .map((item) => [item.variant_id, item.quantity]),
    ).toEqual([
      [m.variant_id, 3],
      [l.variant_id, 1],
    ]);
  });

  it("checks the variant's own stock: 3 of M, though L has 10", async () => {
    const { productId, m } = await teeInSizes();
    await expectRefused(
      () => addToCart({ product_id: productId, variant_id: m.variant_id, quantity: 4 }),
      409,
      'BIZ_4001',
    );
  });

  it('refuses an unknown variant (404), a retired one (409 BIZ_4006), none (400 VAL_2002)', async () => {
    const { productId, m } = await teeInSizes();
    await expectRefused(
      () => addToCart({ product_id: productId, variant_id: 'var_nope', quantity: 1 }),
      404,
      'RES_3001',
    );
    await expectRefused(() => addToCart({ product_id: productId, quantity: 1 }), 400, 'VAL_2002');
    await admin().POST('/api/v1/products/{product_id}/variants/{variant_id}/retire', {
      params: { path: { product_id: productId, variant_id: m.variant_id } },
    });
    await expectRefused(
      () => addToCart({ product_id: productId, variant_id: m.variant_id, quantity: 1 }),
      409,
      'BIZ_4006',
    );
  });
});

describe('a variant retired while in a cart', () => {
  it('stops the checkout with BIZ_4006 naming the line by its variant, not its product', async () => {
    const { productId, m, l } = await teeInSizes();
    const shopper = await signUp(api.http);
    await addToCart({ product_id: productId, variant_id: m.variant_id, quantity: 1 }, shopper.accessToken);
    await addToCart({ product_id: productId, variant_id: l.variant_id, quantity: 1 }, shopper.accessToken);
    await admin().POST('/api/v1/products/{product_id}/variants/{variant_id}/retire', {
      params: { path: { product_id: productId, variant_id: m.variant_id } },
    });
    const response = await expectRefused(
      () => answer(commandClient(api.http.url, shopper.accessToken).POST('/api/v1/checkout/reservations')),
      409,
      'BIZ_4006',
    );
    expect((response.body as { error: { details: unknown } }).error.details).toEqual([
      {
        field: `items.${productId}~${m.variant_id}`,
        message: `Tee (${m.sku}) is no longer sold; remove it from the cart`,
      },
    ]);
  });
});

describe('a guest cart with a variant, merged at login', () => {
  it('keeps the variant on the merged line, at its price', async () => {
    const { productId, m } = await teeInSizes();
    const guest = await addToCart({ product_id: productId, variant_id: m.variant_id, quantity: 2 }, '');
    expect(guest.status).toBe(200);
    const cartToken = guest.headers.get('x-cart-token') ?? '';
    expect(cartToken).not.toBe('');
    const customer = await signUp(api.http);
    const login = await answer(
      commandClient(api.http.url).POST('/api/v1/users/login', {
        headers: { 'X-Cart-Token': cartToken },
        body: { email: customer.email, password: customer.password },
      }),
    );
    expect(login.status).toBe(200);
    const events = await api.store.readStream(`cart-${customer.userId}`);
    const merged = events.find((event) => event.type === 'CartMergedFromGuest');
    expect(merged?.data).toMatchObject({
      schema_version: 2,
      lines: [
        { product_id: productId, variant_id: m.variant_id, sku: m.sku, unit_price: 2_500, line_quantity: 2 },
      ],
    });
  });
});
