import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { positionToString } from '../../infra/eventstore/position.ts';
import { createFixtureWriter, type Line } from '../../projections/orders/test-events.ts';
import { createProjectionService, type ProjectionService } from '../../projections/service.ts';
import {
  appendEvent,
  createReadSideForTest,
  productListedData,
  type ReadSideForTest,
  stockReceivedData,
} from '../../projections/test-support.ts';
import { assertErrorBody } from '../../test/support/http.ts';
import { startQueryApiForTest } from '../test-support.ts';

let side: ReadSideForTest;
let service: ProjectionService;
let api: Awaited<ReturnType<typeof startQueryApiForTest>>;
let w: ReturnType<typeof createFixtureWriter>;
const get = (path: string, token?: string, headers: Record<string, string> = {}) =>
  api.http.request('GET', `/api/v1${path}`, { ...(token ? { token } : {}), headers });
const ids = (list: { product: { product_id: string } }[]) => list.map((r) => r.product.product_id);

const catalog = [
  ['prd_cam', 'Cameras', 'Mirrorless Camera'],
  ['prd_lens', 'Cameras', 'Zoom Lens'],
  ['prd_tri', 'Cameras', 'Travel Tripod'],
  ['prd_sd', 'Storage', 'SD Card'],
  ['prd_bag', 'Bags', 'Camera Bag'],
  ['prd_book', 'Books', 'Photo Book'],
] as const;
const line = (product: string): Line => ({ product, quantity: 1, price: 1_000 });

beforeAll(async () => {
  side = await createReadSideForTest('recroutes');
  service = createProjectionService(side.deps, { leaseRetryMs: 50, heartbeatMs: 100 });
  service.start();
  w = createFixtureWriter(side.store);
  for (const [id, category, name] of catalog) {
    await appendEvent(
      side.store,
      `product-${id}`,
      'ProductListed',
      productListedData(id, { category, name }),
    );
    await w.stock(id, 10);
  }
  // Camera: 3 purchases; SD card: 2 purchases with the camera; bag: 1; lens: many cart adds, no purchase.
  await w.placeOrder('ord_1', 'usr_1', [line('prd_cam'), line('prd_sd')]);
  await w.confirmOrder('ord_1', 1);
  await w.placeOrder('ord_2', 'usr_2', [line('prd_cam'), line('prd_sd'), line('prd_bag')]);
  await w.confirmOrder('ord_2', 1);
  await w.placeOrder('ord_3', 'usr_3', [line('prd_cam')]);
  await w.confirmOrder('ord_3', 1);
  for (const n of [1, 2, 3, 4]) await w.addToCart(`usr_l${n}`, `item_l${n}`, line('prd_lens'));
  const head = await w.placeOrder('ord_4', 'usr_3', [line('prd_book'), line('prd_cam')]); // never confirmed
  expect(await service.waitFor(head, 20_000)).toBe(true);
  api = await startQueryApiForTest(side, { consistencyWaitMs: 10_000 });
});

afterAll(async () => {
  await api?.close();
  await service.stop();
  await side.close();
});

describe('GET /recommendations?type=popular', () => {
  it('ranks by views × 0.3 + purchases × 0.5 + rating × 0.2, normalised; cart adds break ties', async () => {
    const res = await get('/recommendations?type=popular', api.token('customer', 'usr_9'));
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('popular');
    expect(Number.isNaN(Date.parse(res.body.generated_at))).toBe(false);
    expect(ids(res.body.recommendations)).toEqual(['prd_cam', 'prd_sd', 'prd_bag', 'prd_lens']);
    // Purchases 3, 2, 1, 0 of at most 3; no views or ratings yet.
    expect(res.body.recommendations.map((r: { score: number }) => r.score)).toEqual([0.5, 0.3333, 0.1667, 0]);
    expect(res.body.recommendations[0]).toMatchObject({
      product: { product_id: 'prd_cam', name: 'Mirrorless Camera', price: 10, in_stock: true },
      reason: 'popular: 3 purchases, 0 cart adds, 0 views',
    });
  });

  it('views counted by GET /products/{id} move a product up', async () => {
    for (let i = 0; i < 15; i += 1) expect((await get('/products/prd_tri')).status).toBe(200);
    await get('/products/prd_unknown'); // a 404 is not a view
    await get('/products/search?q=tripod'); // nor is a search
    await vi.waitFor(
      async () => {
        const res = await get('/recommendations?limit=3', api.token('customer', 'usr_9'));
        // 15 views, the most of any candidate: 0.3, just below the SD card's 2 of 3 purchases.
        expect(ids(res.body.recommendations)).toEqual(['prd_cam', 'prd_sd', 'prd_tri']);
        expect(res.body.recommendations[2].score).toBe(0.3);
        expect(await side.redis.zrange('rec:views', 0, -1)).toEqual(['prd_tri']);
      },
      { timeout: 5_000, interval: 50 },
    );
  });
});

describe('GET /recommendations?type=personalized', () => {
  it('popular products in the categories the user bought from, leaving out what they bought', async () => {
    const res = await get('/recommendations?type=personalized', api.token('customer', 'usr_3'));
    expect(res.body.type).toBe('personalized');
    // usr_3 bought the camera (Cameras): lens (cart adds) and tripod (views) are suggested; not the camera.
    expect(ids(res.body.recommendations)).toEqual(['prd_tri', 'prd_lens']);
    expect(res.body.recommendations[0].reason).toContain('popular in Cameras');
  });

  it('falls back to popular overall for a user with no purchases, and says so', async () => {
    const res = await get('/recommendations?type=personalized&limit=1', api.token('customer', 'usr_new'));
    expect(ids(res.body.recommendations)).toEqual(['prd_cam']);
    expect(res.body.recommendations[0].reason).toContain('no purchases of yours yet');
  });

  it('400 VAL_2001 for a bad type or limit; 401 without a token; 403 for an admin', async () => {
    const token = api.token('customer', 'usr_1');
    for (const q of ['type=best', 'limit=0', 'limit=101', 'limit=x'])
      assertErrorBody(await get(`/recommendations?${q}`, token), 400, 'VAL_2001');
    assertErrorBody(await get('/recommendations'), 401, 'AUTH_1003');
    assertErrorBody(await get('/recommendations', api.token('admin')), 403, 'AUTH_1004');
  });
});

describe('GET /products/{product_id}/frequently-bought-together', () => {
  it('pairs from confirmed orders with confidence = co-purchases / purchases of the product', async () => {
    const res = await get('/products/prd_cam/frequently-bought-together');
    expect(res.status).toBe(200);
    expect(res.body.products).toEqual([
      { product_id: 'prd_sd', name: 'SD Card', price: 10, currency: 'USD', confidence: 0.6667 },
      { product_id: 'prd_bag', name: 'Camera Bag', price: 10, currency: 'USD', confidence: 0.3333 },
    ]);
    const sd = await get('/products/prd_sd/frequently-bought-together?limit=1');
    expect(sd.body.products).toEqual([expect.objectContaining({ product_id: 'prd_cam', confidence: 1 })]);
    // The book was only in an unconfirmed order.
    expect((await get('/products/prd_book/frequently-bought-together')).body.products).toEqual([]);
  });

  it('404 for an unknown product, 400 for a bad limit', async () => {
    assertErrorBody(await get('/products/prd_nope/frequently-bought-together'), 404, 'RES_3001');
    assertErrorBody(await get('/products/prd_cam/frequently-bought-together?limit=500'), 400, 'VAL_2001');
  });

  it('honours X-Consistency-Token right after an append', async () => {
    await w.placeOrder('ord_5', 'usr_5', [line('prd_book'), line('prd_bag')]);
    const token = positionToString(await w.confirmOrder('ord_5', 1));
    const res = await get('/products/prd_book/frequently-bought-together', undefined, {
      'X-Consistency-Token': token,
    });
    expect(res.body.products).toEqual([expect.objectContaining({ product_id: 'prd_bag', confidence: 1 })]);
  });
});

describe('a recommended product with variants', () => {
  it('is listed as GET /products lists it: the variants’ stock and its price range', async () => {
    const at = '2026-01-15T10:00:00.000Z';
    await appendEvent(
      side.store,
      'product-prd_tee',
      'ProductListed',
      productListedData('prd_tee', { name: 'Tee', price: 2000 }),
    );
    await appendEvent(side.store, 'product-prd_tee', 'VariantAdded', {
      schema_version: 1,
      product_id: 'prd_tee',
      variant_id: 'var_m',
      sku: 'TEE-M',
      options: { size: 'M' },
      price_adjustment: 500,
      added_at: at,
    });
    await appendEvent(side.store, 'stock-prd_tee~var_m', 'StockReceived', {
      ...stockReceivedData('prd_tee', 50, 50),
      schema_version: 2,
      variant_id: 'var_m',
    });
    for (const n of [1, 2, 3, 4]) {
      await w.placeOrder(`ord_tee${n}`, `usr_tee${n}`, [{ product: 'prd_tee', quantity: 1, price: 2500 }]);
      await w.confirmOrder(`ord_tee${n}`, 1);
    }
    const token = positionToString((await side.store.headPosition())!);
    const recommended = await get('/recommendations?type=popular&limit=20', api.token('customer', 'usr_9'), {
      'X-Consistency-Token': token,
    });
    const tee = recommended.body.recommendations.find(
      (r: { product: { product_id: string } }) => r.product.product_id === 'prd_tee',
    );
    const listed = (await get('/products?limit=100')).body.products.find(
      (p: { product_id: string }) => p.product_id === 'prd_tee',
    );
    expect(tee?.product).toMatchObject({
      stock_quantity: 50,
      in_stock: true,
      price_range: { min: 25, max: 25 },
    });
    expect(tee?.product).toEqual(listed);
  });
});
