import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Answer,
  answer,
  type CommandClient,
  commandClient,
  invalid,
} from '../test/api-client/clients.ts';
import type { components } from '../test/api-client/command-api.d.ts';
import { createProduct, productInput, refused, type ShopApi, startShopApi } from './catalog/e2e-fixtures.ts';

let api: ShopApi;
beforeAll(async () => {
  api = await startShopApi('catalog_e2e');
});
afterAll(async () => {
  await api?.close();
});

// Every call goes through the client generated from docs/openapi/command-api.json, and every answer is
// checked against its route's declared schema (test/api-client/response-check.ts).
type Schemas = components['schemas'];
type Extra = Record<string, string>;
const admin = () => commandClient(api.http.url, api.adminToken);
const at = (product_id: string) => ({ params: { path: { product_id } } });
/** A product body; the tests' overrides may be anything, so it is checked by the server, not by tsc. */
const listProduct = (body: ReturnType<typeof productInput>, headers: Extra = {}) =>
  answer(admin().POST('/api/v1/products', { body: body as Schemas['postProductsBody'], headers }));
const changeDetails = (id: string, body: Schemas['putProductsProductIdBody'], headers: Extra = {}) =>
  answer(admin().PUT('/api/v1/products/{product_id}', { ...at(id), body, headers }));
const changePrice = (id: string, body: Schemas['putProductsProductIdPriceBody']) =>
  answer(admin().PUT('/api/v1/products/{product_id}/price', { ...at(id), body }));
const discontinue = (id: string) => answer(admin().POST('/api/v1/products/{product_id}/discontinue', at(id)));
const receive = (id: string, body: Schemas['postInventoryProductIdReceiveBody'], headers: Extra = {}) =>
  answer(admin().POST('/api/v1/inventory/{product_id}/receive', { ...at(id), body, headers }));
const adjust = (id: string, body: Schemas['postInventoryProductIdAdjustBody']) =>
  answer(admin().POST('/api/v1/inventory/{product_id}/adjust', { ...at(id), body }));

/** Expects a refusal with this status and code, and that nothing was appended. */
async function expectRefused<R extends Answer<unknown>>(
  send: () => Promise<R>,
  status: number,
  code: string,
) {
  const { response, appended } = await refused(api, send);
  const body = response.body as { error?: { code?: string; request_id?: string } } | undefined;
  expect({ status: response.status, code: body?.error?.code }).toEqual({ status, code });
  expect(body?.error?.request_id).toEqual(expect.any(String));
  expect(appended).toBe(false);
  return response;
}

const stream = async (name: string) =>
  (await api.store.readStream(name)).map((e) => ({ type: e.type, data: e.data }));

describe('POST /products', () => {
  it('lists a product and answers the full product with 201, Location, ETag and a consistency token', async () => {
    const response = await listProduct(productInput({ sku: 'TR-2', long_description: 'Long text' }));
    expect(response.status).toBe(201);
    const id = response.body.product_id;
    expect(id).toMatch(/^prd_/);
    expect(response.body).toMatchObject({
      name: 'Trail Runner 2',
      description: 'A light trail shoe',
      long_description: 'Long text',
      price: 19.99,
      currency: 'USD',
      category: 'Shoes',
      brand: 'Acme',
      sku: 'TR-2',
      subcategory: null,
      images: ['https://img.example.com/trail-runner-2.jpg'],
      specifications: { weight: '250 g', sizes: [40, 41, 42] },
      status: 'listed',
      stock_quantity: 0,
      in_stock: false,
    });
    expect(response.headers.get('location')).toBe(`/api/v1/products/${id}`);
    expect(response.headers.get('etag')).toBe('"0"');
    expect(response.headers.get('x-consistency-token')).toBeTruthy();
    const events = await stream(`product-${id}`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'ProductListed',
      data: { price: 1999, currency: 'USD', sku: 'TR-2' },
    });
  });

  it('receives the initial stock on the stock stream', async () => {
    const response = await listProduct(productInput({ initial_stock: 25 }));
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ stock_quantity: 25, in_stock: true });
    const events = await stream(`stock-${response.body.product_id}`);
    expect(events).toMatchObject([
      { type: 'StockReceived', data: { quantity: 25, on_hand: 25, reserved: 0 } },
    ]);
  });

  it('stores SQL, HTML and unicode text verbatim and returns it JSON-escaped only', async () => {
    const name = `Robert'); DROP TABLE messages;-- <b>bold</b> Ünïcødé 商品 🚀 "quoted" \\ back`;
    const description = '<script>alert("x")</script> & <img src=x onerror=alert(1)>';
    const specifications = { "'; SELECT pg_sleep(10);--": '<svg/onload=alert(1)>', ключ: 'значение ✓' };
    const response = await listProduct(productInput({ name, description, specifications, brand: 'Ñandú' }));
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ name, description, specifications, brand: 'Ñandú' });
    // The raw JSON holds the text itself, not an HTML-escaped form of it.
    expect(response.text).toContain('<script>alert(\\"x\\")</script>');
    const [listed] = await stream(`product-${response.body.product_id}`);
    expect(listed?.data).toMatchObject({ name, description, specifications, brand: 'Ñandú' });
  });

  it('refuses U+0000 anywhere in the text (PostgreSQL jsonb cannot hold it) with 400', async () => {
    const response = await expectRefused(
      () => listProduct(productInput({ specifications: { note: 'a\u0000b' } })),
      400,
      'VAL_2001',
    );
    expect(response.body.error.details).toEqual([
      { field: 'specifications.note', message: 'must not contain the NUL character (U+0000)' },
    ]);
  });

  it.each([
    ['name missing', { name: undefined }, 'VAL_2002'],
    ['price missing', { price: undefined }, 'VAL_2002'],
    ['category missing', { category: undefined }, 'VAL_2002'],
    ['empty name', { name: '' }, 'VAL_2001'],
    ['blank name (trimmed by the domain)', { name: '   ' }, 'VAL_2001'],
    ['name of 256 characters', { name: 'x'.repeat(256) }, 'VAL_2001'],
    ['price zero', { price: 0 }, 'VAL_2001'],
    ['negative price', { price: -5 }, 'VAL_2001'],
    ['price with three decimals', { price: 9.999 }, 'VAL_2001'],
    ['price as a string', { price: '19.99' }, 'VAL_2001'],
    ['lower-case currency', { currency: 'usd' }, 'VAL_2001'],
    ['images not a list', { images: 'a.jpg' }, 'VAL_2001'],
    ['negative initial stock', { initial_stock: -1 }, 'VAL_2001'],
    ['initial stock too large', { initial_stock: 1_000_001 }, 'VAL_2001'],
    ['fractional initial stock', { initial_stock: 1.5 }, 'VAL_2001'],
  ])('refuses %s with 400 and appends nothing', async (_label, overrides, code) => {
    await expectRefused(() => listProduct(productInput(overrides)), 400, code);
  });

  it('replays an idempotent retry without appending, and refuses the key with another body (422)', async () => {
    const key = { 'Idempotency-Key': 'create-product-once' };
    const first = await listProduct(productInput({ name: 'Once' }), key);
    expect(first.status).toBe(201);
    const { response, appended } = await refused(api, () => listProduct(productInput({ name: 'Once' }), key));
    expect(response.status).toBe(201);
    expect(response.body).toEqual(first.body);
    expect(appended).toBe(false);
    await expectRefused(() => listProduct(productInput({ name: 'Twice' }), key), 422, 'VAL_2004');
  });
});

describe('who may administer the catalog', () => {
  const any = at('prd_any');
  const adminRoutes: [string, (c: CommandClient) => Promise<Answer<unknown>>][] = [
    [
      'POST /products',
      (c) => answer(c.POST('/api/v1/products', { body: productInput() as Schemas['postProductsBody'] })),
    ],
    [
      'PUT /products/{id}',
      (c) => answer(c.PUT('/api/v1/products/{product_id}', { ...any, body: { name: 'x' } })),
    ],
    [
      'PUT /products/{id}/price',
      (c) => answer(c.PUT('/api/v1/products/{product_id}/price', { ...any, body: { price: 1 } })),
    ],
    [
      'POST /products/{id}/discontinue',
      (c) => answer(c.POST('/api/v1/products/{product_id}/discontinue', any)),
    ],
    [
      'POST /inventory/{id}/receive',
      (c) => answer(c.POST('/api/v1/inventory/{product_id}/receive', { ...any, body: { quantity: 1 } })),
    ],
    [
      'POST /inventory/{id}/adjust',
      (c) =>
        answer(
          c.POST('/api/v1/inventory/{product_id}/adjust', { ...any, body: { quantity: 1, reason: 'count' } }),
        ),
    ],
  ];

  it.each(adminRoutes)('%s is 401 without a token and 403 AUTH_1004 for a customer', async (_route, send) => {
    await expectRefused(() => send(commandClient(api.http.url)), 401, 'AUTH_1003');
    await expectRefused(() => send(commandClient(api.http.url, api.customer.accessToken)), 403, 'AUTH_1004');
  });
});

describe('PUT /products/{product_id}', () => {
  it('changes the given fields and answers the whole product with the new ETag', async () => {
    const product = await createProduct(api.http, api.adminToken);
    const response = await changeDetails(product.product_id, {
      name: 'Trail Runner 3',
      brand: null,
      subcategory: 'Trail',
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      name: 'Trail Runner 3',
      brand: null,
      subcategory: 'Trail',
      price: 19.99,
    });
    expect(response.headers.get('etag')).toBe('"1"');
    expect(response.headers.get('x-consistency-token')).toBeTruthy();
  });

  it('honours If-Match: the current revision passes, a stale one is 412 RES_3003 and appends nothing', async () => {
    const product = await createProduct(api.http, api.adminToken);
    const id = product.product_id;
    const first = await changeDetails(id, { name: 'First' }, { 'If-Match': '"0"' });
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"1"');
    await expectRefused(() => changeDetails(id, { name: 'Second' }, { 'If-Match': '"0"' }), 412, 'RES_3003');
    // Nor is a category it names filed when the change is refused.
    await expectRefused(
      () => changeDetails(id, { category: 'Stale Precondition Gear' }, { 'If-Match': '"0"' }),
      412,
      'RES_3003',
    );
    expect((await changeDetails(id, { name: 'Second' }, { 'If-Match': '"1"' })).status).toBe(200);
  });

  it('is 404 for an unknown or malformed id, 400 for no field, 409 once discontinued', async () => {
    await expectRefused(() => changeDetails('prd_unknown', { name: 'x' }), 404, 'RES_3001');
    await expectRefused(() => changeDetails('not-a-product', { name: 'x' }), 404, 'RES_3001');
    const product = await createProduct(api.http, api.adminToken);
    await expectRefused(() => changeDetails(product.product_id, {}), 400, 'VAL_2001');
    await expectRefused(() => changeDetails(product.product_id, invalid({ name: 42 })), 400, 'VAL_2001');
    expect((await discontinue(product.product_id)).status).toBe(200);
    await expectRefused(() => changeDetails(product.product_id, { name: 'y' }), 409, 'BIZ_4006');
  });
});

describe('PUT /products/{product_id}/price', () => {
  it('changes the price (two decimals in and out) and records minor units', async () => {
    const product = await createProduct(api.http, api.adminToken);
    const response = await changePrice(product.product_id, { price: 1234.5 });
    expect(response.status).toBe(200);
    expect(response.body.price).toBe(1234.5);
    const events = await stream(`product-${product.product_id}`);
    expect(events[1]).toMatchObject({ type: 'PriceChanged', data: { old_price: 1999, new_price: 123450 } });
  });

  it('refuses a bad price, another currency, an unknown product and a discontinued one', async () => {
    const product = await createProduct(api.http, api.adminToken);
    const id = product.product_id;
    await expectRefused(() => changePrice(id, { price: 0 }), 400, 'VAL_2001');
    await expectRefused(() => changePrice(id, invalid({})), 400, 'VAL_2002');
    await expectRefused(() => changePrice(id, { price: 10, currency: 'EUR' }), 400, 'VAL_2001');
    await expectRefused(() => changePrice('prd_unknown', { price: 10 }), 404, 'RES_3001');
    await discontinue(id);
    await expectRefused(() => changePrice(id, { price: 10 }), 409, 'BIZ_4006');
  });
});

describe('POST /products/{product_id}/discontinue', () => {
  it('discontinues once; a second call succeeds and appends nothing', async () => {
    const product = await createProduct(api.http, api.adminToken);
    const response = await discontinue(product.product_id);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ product_id: product.product_id, status: 'discontinued' });
    expect(response.body.discontinued_at).toEqual(expect.any(String));
    const again = await refused(api, () => discontinue(product.product_id));
    expect(again.response.status).toBe(200);
    expect(again.appended).toBe(false);
  });

  it('is 404 for an unknown product', async () => {
    await expectRefused(() => discontinue('prd_unknown'), 404, 'RES_3001');
  });
});

describe('POST /inventory/{product_id}/receive and /adjust', () => {
  it('receives and adjusts, answering the levels with the stock ETag', async () => {
    const product = await createProduct(api.http, api.adminToken);
    const received = await receive(product.product_id, { quantity: 10 });
    expect(received.status).toBe(200);
    expect(received.body).toEqual({
      product_id: product.product_id,
      on_hand: 10,
      reserved: 0,
      available: 10,
    });
    expect(received.headers.get('etag')).toBe('"0"');
    expect(received.headers.get('x-consistency-token')).toBeTruthy();
    const adjusted = await adjust(product.product_id, {
      quantity: -3,
      reason: 'two broken, one lost',
    });
    expect(adjusted.status).toBe(200);
    expect(adjusted.body).toEqual({ product_id: product.product_id, on_hand: 7, reserved: 0, available: 7 });
    expect(adjusted.headers.get('etag')).toBe('"1"');
    const up = await adjust(product.product_id, { quantity: 5, reason: 'recount' });
    expect(up.body.on_hand).toBe(12);
    const events = await stream(`stock-${product.product_id}`);
    expect(events.map((e) => e.type)).toEqual(['StockReceived', 'StockAdjusted', 'StockAdjusted']);
  });

  it('refuses receipts out of 1..1,000,000, an unknown product, and adjustments below what is there', async () => {
    const product = await createProduct(api.http, api.adminToken, { initial_stock: 5 });
    const id = product.product_id;
    await expectRefused(() => receive(id, { quantity: 0 }), 400, 'BIZ_4002');
    await expectRefused(() => receive(id, { quantity: 1_000_001 }), 400, 'BIZ_4002');
    await expectRefused(() => receive(id, { quantity: 2.5 }), 400, 'BIZ_4002');
    await expectRefused(() => receive(id, invalid({ quantity: '5' })), 400, 'VAL_2001');
    await expectRefused(() => receive(id, invalid({})), 400, 'VAL_2002');
    await expectRefused(() => receive('prd_unknown', { quantity: 1 }), 404, 'RES_3001');
    await expectRefused(() => receive('bogus', { quantity: 1 }), 404, 'RES_3001');
    await expectRefused(() => adjust(id, { quantity: -6, reason: 'loss' }), 409, 'BIZ_4001');
    await expectRefused(() => adjust(id, invalid({ quantity: -1 })), 400, 'VAL_2002');
    await expectRefused(() => adjust(id, { quantity: -1, reason: '   ' }), 400, 'VAL_2002');
    await expectRefused(() => adjust(id, { quantity: 0, reason: 'none' }), 400, 'BIZ_4002');
    await expectRefused(() => adjust('prd_unknown', { quantity: 1, reason: 'x' }), 404, 'RES_3001');
    const received = await receive(id, { quantity: 1_000_000 });
    expect(received.body.on_hand).toBe(1_000_005);
  });

  it('30 concurrent receipts without If-Match all land: the server retries its conflicts itself', async () => {
    const product = await createProduct(api.http, api.adminToken, { initial_stock: 5 });
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => receive(product.product_id, { quantity: 1 })),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const onHand = answers.map((a) => a.body.on_hand).sort((a, b) => a - b);
    expect(onHand).toEqual(Array.from({ length: 30 }, (_, i) => 6 + i));
  });

  it('honours If-Match on the stock item', async () => {
    const product = await createProduct(api.http, api.adminToken, { initial_stock: 5 });
    const id = product.product_id;
    await expectRefused(() => receive(id, { quantity: 1 }, { 'If-Match': '"7"' }), 412, 'RES_3003');
    const ok = await receive(id, { quantity: 1 }, { 'If-Match': '"0"' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe('"1"');
  });
});
