import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, refused, type ShopApi, startShopApi } from './catalog/e2e-fixtures.ts';

let api: ShopApi;
beforeAll(async () => {
  api = await startShopApi('variants_e2e');
});
afterAll(async () => {
  await api?.close();
});

const post = (path: string, body?: unknown, token = api.adminToken) =>
  api.http.request('POST', `/api/v1${path}`, { token, ...(body !== undefined ? { body } : {}) });
const put = (path: string, body: unknown, token = api.adminToken) =>
  api.http.request('PUT', `/api/v1${path}`, { token, body });

async function expectRefused(send: () => ReturnType<typeof post>, status: number, code: string) {
  const { response, appended } = await refused(api, send);
  expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status, code });
  expect(appended).toBe(false);
  return response;
}

const stream = async (name: string) =>
  (await api.store.readStream(name)).map((e) => ({ type: e.type, data: e.data }));

const medium = { sku: 'TEE-M-RED', options: { size: 'M', color: 'red' }, price_adjustment: 5 };

async function tee() {
  const product = await createProduct(api.http, api.adminToken, { name: 'Tee', price: 20 });
  return product.product_id as string;
}

describe('POST /products/{id}/variants', () => {
  it('adds a variant: 201 with price = base + adjustment, its first stock on its own stream', async () => {
    const productId = await tee();
    const response = await post(`/products/${productId}/variants`, { ...medium, initial_stock: 50 });
    expect(response.status).toBe(201);
    const variantId = response.body.variant_id;
    expect(variantId).toMatch(/^var_/);
    expect(response.body).toEqual({
      variant_id: variantId,
      product_id: productId,
      sku: 'TEE-M-RED',
      options: { size: 'M', color: 'red' },
      price_adjustment: 5,
      price: 25,
      status: 'active',
    });
    expect(response.headers.get('location')).toBe(`/api/v1/products/${productId}/variants/${variantId}`);
    expect(await stream(`product-${productId}`)).toMatchObject([
      { type: 'ProductListed' },
      { type: 'VariantAdded', data: { variant_id: variantId, sku: 'TEE-M-RED', price_adjustment: 500 } },
    ]);
    expect(await stream(`stock-${productId}~${variantId}`)).toEqual([
      {
        type: 'StockReceived',
        data: {
          schema_version: 2,
          product_id: productId,
          variant_id: variantId,
          quantity: 50,
          on_hand: 50,
          reserved: 0,
        },
      },
    ]);
  });

  it('takes a negative adjustment', async () => {
    const productId = await tee();
    const response = await post(`/products/${productId}/variants`, { ...medium, price_adjustment: -2.5 });
    expect(response.body).toMatchObject({ price_adjustment: -2.5, price: 17.5 });
  });

  it('refuses a SKU taken, an options combination used, bad input and an unknown product; appends nothing', async () => {
    const productId = await tee();
    expect((await post(`/products/${productId}/variants`, medium)).status).toBe(201);
    const path = `/products/${productId}/variants`;
    const taken = await expectRefused(
      () => post(path, { ...medium, sku: 'tee-m-red', options: { size: 'L' } }),
      409,
      'RES_3002',
    );
    expect(taken.body.error.details).toEqual([{ field: 'sku', message: expect.any(String) }]);
    await expectRefused(
      () => post(path, { ...medium, sku: 'OTHER', options: { color: 'red', size: 'M' } }),
      409,
      'RES_3002',
    );
    await expectRefused(() => post(path, { ...medium, options: {}, sku: 'X' }), 400, 'VAL_2001');
    await expectRefused(
      () => post(path, { ...medium, price_adjustment: -20, sku: 'Y', options: { size: 'S' } }),
      400,
      'VAL_2001',
    );
    await expectRefused(() => post(path, { ...medium, price_adjustment: 1.234 }), 400, 'VAL_2001');
    await expectRefused(() => post(path, { options: { size: 'S' }, price_adjustment: 0 }), 400, 'VAL_2002');
    await expectRefused(() => post('/products/prd_nope/variants', medium), 404, 'RES_3001');
    await expectRefused(() => post(path, medium, api.customer.accessToken), 403, 'AUTH_1004');
  });
});

describe('PUT and retire', () => {
  it('changes a variant, retires it, and refuses the unknown and the retired; appends nothing then', async () => {
    const productId = await tee();
    const { variant_id: variantId } = (await post(`/products/${productId}/variants`, medium)).body;
    const path = `/products/${productId}/variants/${variantId}`;
    const changed = await put(path, { price_adjustment: 7.5, sku: 'TEE-M-R' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ sku: 'TEE-M-R', price_adjustment: 7.5, price: 27.5 });

    const sibling = (
      await post(`/products/${productId}/variants`, { ...medium, sku: 'TEE-L', options: { size: 'L' } })
    ).body.variant_id;
    await expectRefused(
      () => put(`/products/${productId}/variants/${sibling}`, { sku: 'TEE-M-R' }),
      409,
      'RES_3002',
    );
    await expectRefused(
      () => put(`/products/${productId}/variants/var_unknown`, { sku: 'Z' }),
      404,
      'RES_3001',
    );
    await expectRefused(() => put(`/products/${productId}/variants/nonsense`, { sku: 'Z' }), 404, 'RES_3001');

    const retired = await post(`${path}/retire`);
    expect(retired.status).toBe(200);
    expect(retired.body.status).toBe('retired');
    const again = await refused(api, () => post(`${path}/retire`));
    expect({ status: again.response.status, appended: again.appended }).toEqual({
      status: 200,
      appended: false,
    });
    await expectRefused(() => put(path, { sku: 'AGAIN' }), 409, 'BIZ_4006');
    await expectRefused(() => post(`/products/${productId}/variants/var_unknown/retire`), 404, 'RES_3001');
  });
});

describe('stock per variant', () => {
  it('receives and adjusts per variant; variant_id is required once the product has variants', async () => {
    const productId = await tee();
    const { variant_id: variantId } = (await post(`/products/${productId}/variants`, medium)).body;
    const received = await post(`/inventory/${productId}/receive`, { quantity: 10, variant_id: variantId });
    expect(received.status).toBe(200);
    expect(received.body).toEqual({
      product_id: productId,
      variant_id: variantId,
      on_hand: 10,
      reserved: 0,
      available: 10,
    });
    const adjusted = await post(`/inventory/${productId}/adjust`, {
      quantity: -3,
      reason: 'count',
      variant_id: variantId,
    });
    expect(adjusted.body).toMatchObject({ on_hand: 7, available: 7 });
    const missing = await expectRefused(
      () => post(`/inventory/${productId}/receive`, { quantity: 1 }),
      400,
      'VAL_2002',
    );
    expect(missing.body.error.details).toEqual([{ field: 'variant_id', message: expect.any(String) }]);
    await expectRefused(
      () => post(`/inventory/${productId}/receive`, { quantity: 1, variant_id: 'var_other' }),
      404,
      'RES_3001',
    );
    await expect(api.store.readStream(`stock-${productId}`)).rejects.toThrow();
  });

  it('keeps product-level stock for a product without variants, and refuses a variant_id there', async () => {
    const productId = await tee();
    const received = await post(`/inventory/${productId}/receive`, { quantity: 4 });
    expect(received.body).toEqual({ product_id: productId, on_hand: 4, reserved: 0, available: 4 });
    await expectRefused(
      () => post(`/inventory/${productId}/receive`, { quantity: 1, variant_id: 'var_x' }),
      404,
      'RES_3001',
    );
  });
});

describe('the cart and a product sold per variant', () => {
  it('refuses to cart the whole product (400 VAL_2002 on variant_id), appending nothing', async () => {
    const productId = await tee();
    await post(`/products/${productId}/variants`, { ...medium, initial_stock: 5 });
    const response = await expectRefused(
      () => post('/cart/add', { product_id: productId, quantity: 1 }, api.customer.accessToken),
      400,
      'VAL_2002',
    );
    expect(response.body.error.details).toEqual([{ field: 'variant_id', message: expect.any(String) }]);
  });
});
