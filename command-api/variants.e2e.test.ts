import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, answer, commandClient, invalid } from '../test/api-client/clients.ts';
import type { components } from '../test/api-client/command-api.d.ts';
import { createProduct, refused, type ShopApi, startShopApi } from './catalog/e2e-fixtures.ts';

let api: ShopApi;
beforeAll(async () => {
  api = await startShopApi('variants_e2e');
});
afterAll(async () => {
  await api?.close();
});

// Every call goes through the client generated from docs/openapi/command-api.json, and every answer is
// checked against its route's declared schema (test/api-client/response-check.ts).
type Schemas = components['schemas'];
const as = (token = api.adminToken) => commandClient(api.http.url, token);
const onProduct = (product_id: string) => ({ params: { path: { product_id } } });
const onVariant = (product_id: string, variant_id: string) => ({
  params: { path: { product_id, variant_id } },
});
const addVariant = (productId: string, body: Schemas['postProductsProductIdVariantsBody'], token?: string) =>
  answer(as(token).POST('/api/v1/products/{product_id}/variants', { ...onProduct(productId), body }));
const changeVariant = (
  productId: string,
  variantId: string,
  body: Schemas['putProductsProductIdVariantsVariantIdBody'],
) =>
  answer(
    as().PUT('/api/v1/products/{product_id}/variants/{variant_id}', {
      ...onVariant(productId, variantId),
      body,
    }),
  );
const retire = (productId: string, variantId: string) =>
  answer(
    as().POST('/api/v1/products/{product_id}/variants/{variant_id}/retire', onVariant(productId, variantId)),
  );
const receive = (productId: string, body: Schemas['postInventoryProductIdReceiveBody']) =>
  answer(as().POST('/api/v1/inventory/{product_id}/receive', { ...onProduct(productId), body }));
const adjust = (productId: string, body: Schemas['postInventoryProductIdAdjustBody']) =>
  answer(as().POST('/api/v1/inventory/{product_id}/adjust', { ...onProduct(productId), body }));

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

const stream = async (name: string) =>
  (await api.store.readStream(name)).map((e) => ({ type: e.type, data: e.data }));

const medium = { sku: 'TEE-M-RED', options: { size: 'M', color: 'red' }, price_adjustment: 5 };

async function tee() {
  const product = await createProduct(api.http, api.adminToken, { name: 'Tee', price: 20 });
  return product.product_id;
}

describe('POST /products/{id}/variants', () => {
  it('adds a variant: 201 with price = base + adjustment, its first stock on its own stream', async () => {
    const productId = await tee();
    const response = await addVariant(productId, { ...medium, initial_stock: 50 });
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
    const response = await addVariant(productId, { ...medium, price_adjustment: -2.5 });
    expect(response.body).toMatchObject({ price_adjustment: -2.5, price: 17.5 });
  });

  it('refuses a SKU taken, an options combination used, bad input and an unknown product; appends nothing', async () => {
    const productId = await tee();
    expect((await addVariant(productId, medium)).status).toBe(201);
    const taken = await expectRefused(
      () => addVariant(productId, { ...medium, sku: 'tee-m-red', options: { size: 'L' } }),
      409,
      'RES_3002',
    );
    expect(taken.body.error.details).toEqual([{ field: 'sku', message: expect.any(String) }]);
    await expectRefused(
      () => addVariant(productId, { ...medium, sku: 'OTHER', options: { color: 'red', size: 'M' } }),
      409,
      'RES_3002',
    );
    await expectRefused(() => addVariant(productId, { ...medium, options: {}, sku: 'X' }), 400, 'VAL_2001');
    await expectRefused(
      () => addVariant(productId, { ...medium, price_adjustment: -20, sku: 'Y', options: { size: 'S' } }),
      400,
      'VAL_2001',
    );
    await expectRefused(() => addVariant(productId, { ...medium, price_adjustment: 1.234 }), 400, 'VAL_2001');
    await expectRefused(
      () => addVariant(productId, invalid({ options: { size: 'S' }, price_adjustment: 0 })),
      400,
      'VAL_2002',
    );
    await expectRefused(() => addVariant('prd_nope', medium), 404, 'RES_3001');
    await expectRefused(() => addVariant(productId, medium, api.customer.accessToken), 403, 'AUTH_1004');
  });
});

describe('PUT and retire', () => {
  it('changes a variant, retires it, and refuses the unknown and the retired; appends nothing then', async () => {
    const productId = await tee();
    const { variant_id: variantId } = (await addVariant(productId, medium)).body;
    const changed = await changeVariant(productId, variantId, { price_adjustment: 7.5, sku: 'TEE-M-R' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ sku: 'TEE-M-R', price_adjustment: 7.5, price: 27.5 });

    const sibling = (await addVariant(productId, { ...medium, sku: 'TEE-L', options: { size: 'L' } })).body
      .variant_id;
    await expectRefused(() => changeVariant(productId, sibling, { sku: 'TEE-M-R' }), 409, 'RES_3002');
    await expectRefused(() => changeVariant(productId, 'var_unknown', { sku: 'Z' }), 404, 'RES_3001');
    await expectRefused(() => changeVariant(productId, 'nonsense', { sku: 'Z' }), 404, 'RES_3001');

    const retired = await retire(productId, variantId);
    expect(retired.status).toBe(200);
    expect(retired.body.status).toBe('retired');
    const again = await refused(api, () => retire(productId, variantId));
    expect({ status: again.response.status, appended: again.appended }).toEqual({
      status: 200,
      appended: false,
    });
    await expectRefused(() => changeVariant(productId, variantId, { sku: 'AGAIN' }), 409, 'BIZ_4006');
    await expectRefused(() => retire(productId, 'var_unknown'), 404, 'RES_3001');
  });
});

describe('stock per variant', () => {
  it('receives and adjusts per variant; variant_id is required once the product has variants', async () => {
    const productId = await tee();
    const { variant_id: variantId } = (await addVariant(productId, medium)).body;
    const received = await receive(productId, { quantity: 10, variant_id: variantId });
    expect(received.status).toBe(200);
    expect(received.body).toEqual({
      product_id: productId,
      variant_id: variantId,
      on_hand: 10,
      reserved: 0,
      available: 10,
    });
    const adjusted = await adjust(productId, {
      quantity: -3,
      reason: 'count',
      variant_id: variantId,
    });
    expect(adjusted.body).toMatchObject({ on_hand: 7, available: 7 });
    const missing = await expectRefused(() => receive(productId, { quantity: 1 }), 400, 'VAL_2002');
    expect(missing.body.error.details).toEqual([{ field: 'variant_id', message: expect.any(String) }]);
    await expectRefused(() => receive(productId, { quantity: 1, variant_id: 'var_other' }), 404, 'RES_3001');
    await expect(api.store.readStream(`stock-${productId}`)).rejects.toThrow();
  });

  it('keeps product-level stock for a product without variants, and refuses a variant_id there', async () => {
    const productId = await tee();
    const received = await receive(productId, { quantity: 4 });
    expect(received.body).toEqual({ product_id: productId, on_hand: 4, reserved: 0, available: 4 });
    await expectRefused(() => receive(productId, { quantity: 1, variant_id: 'var_x' }), 404, 'RES_3001');
  });
});

describe('the cart and a product sold per variant', () => {
  it('refuses to cart the whole product (400 VAL_2002 on variant_id), appending nothing', async () => {
    const productId = await tee();
    await addVariant(productId, { ...medium, initial_stock: 5 });
    const response = await expectRefused(
      () =>
        answer(
          as(api.customer.accessToken).POST('/api/v1/cart/add', {
            body: { product_id: productId, quantity: 1 },
          }),
        ),
      400,
      'VAL_2002',
    );
    expect(response.body.error.details).toEqual([{ field: 'variant_id', message: expect.any(String) }]);
  });
});
