import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, refused, type ShopApi, startShopApi } from './catalog/e2e-fixtures.ts';
import { signUp } from './test-support.ts';

let api: ShopApi;
beforeAll(async () => {
  api = await startShopApi('cart_variants_e2e');
});
afterAll(async () => {
  await api?.close();
});

const post = (path: string, body?: unknown, token = api.adminToken) =>
  api.http.request('POST', `/api/v1${path}`, { token, ...(body !== undefined ? { body } : {}) });

async function expectRefused(send: () => ReturnType<typeof post>, status: number, code: string) {
  const { response, appended } = await refused(api, send);
  expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status, code });
  expect(appended).toBe(false);
  return response;
}

/** A tee sold in M (+5.00, 3 in stock) and L (no adjustment, 10 in stock). */
async function teeInSizes() {
  const product = await createProduct(api.http, api.adminToken, { name: 'Tee', price: 20 });
  const productId = product.product_id as string;
  const m = await post(`/products/${productId}/variants`, {
    sku: `TEE-M-${productId.slice(-6)}`,
    options: { size: 'M' },
    price_adjustment: 5,
    initial_stock: 3,
  });
  const l = await post(`/products/${productId}/variants`, {
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
    const token = api.customer.accessToken;
    await post('/cart/add', { product_id: productId, variant_id: m.variant_id, quantity: 2 }, token);
    const response = await post(
      '/cart/add',
      { product_id: productId, variant_id: l.variant_id, quantity: 1 },
      token,
    );
    expect(response.status).toBe(200);
    const lines = response.body.items.filter((item: { product_id: string }) => item.product_id === productId);
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
    const merged = await post(
      '/cart/add',
      { product_id: productId, variant_id: m.variant_id, quantity: 1 },
      token,
    );
    expect(
      merged.body.items
        .filter((item: { product_id: string }) => item.product_id === productId)
        .map((item: { variant_id: string; quantity: number }) => [item.variant_id, item.quantity]),
    ).toEqual([
      [m.variant_id, 3],
      [l.variant_id, 1],
    ]);
  });

  it("checks the variant's own stock: 3 of M, though L has 10", async () => {
    const { productId, m } = await teeInSizes();
    await expectRefused(
      () =>
        post(
          '/cart/add',
          { product_id: productId, variant_id: m.variant_id, quantity: 4 },
          api.customer.accessToken,
        ),
      409,
      'BIZ_4001',
    );
  });

  it('refuses an unknown variant (404), a retired one (409 BIZ_4006), none (400 VAL_2002)', async () => {
    const { productId, m } = await teeInSizes();
    const token = api.customer.accessToken;
    await expectRefused(
      () => post('/cart/add', { product_id: productId, variant_id: 'var_nope', quantity: 1 }, token),
      404,
      'RES_3001',
    );
    await expectRefused(
      () => post('/cart/add', { product_id: productId, quantity: 1 }, token),
      400,
      'VAL_2002',
    );
    await post(`/products/${productId}/variants/${m.variant_id}/retire`);
    await expectRefused(
      () => post('/cart/add', { product_id: productId, variant_id: m.variant_id, quantity: 1 }, token),
      409,
      'BIZ_4006',
    );
  });
});

describe('a guest cart with a variant, merged at login', () => {
  it('keeps the variant on the merged line, at its price', async () => {
    const { productId, m } = await teeInSizes();
    const guest = await post(
      '/cart/add',
      { product_id: productId, variant_id: m.variant_id, quantity: 2 },
      '',
    );
    expect(guest.status).toBe(200);
    const cartToken = guest.headers.get('x-cart-token') ?? '';
    expect(cartToken).not.toBe('');
    const customer = await signUp(api.http);
    const login = await api.http.request('POST', '/api/v1/users/login', {
      headers: { 'X-Cart-Token': cartToken },
      body: { email: customer.email, password: customer.password },
    });
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
