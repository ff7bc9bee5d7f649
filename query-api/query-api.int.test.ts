import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { positionToString } from '../infra/eventstore/position.ts';
import { createProjectionService, type ProjectionService } from '../projections/service.ts';
import {
  appendEvent,
  createReadSideForTest,
  productListedData,
  type ReadSideForTest,
  stockReceivedData,
} from '../projections/test-support.ts';
import { assertErrorBody } from '../test/support/http.ts';
import { route } from './routing.ts';
import { startQueryApiForTest } from './test-support.ts';

/** Under load (the store's read horizon is cluster-wide, shared with other test files) give it time. */
const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 10_000, interval: 50 });

let side: ReadSideForTest;
let service: ProjectionService;
let api: Awaited<ReturnType<typeof startQueryApiForTest>>;
const get = (path: string, options: Parameters<typeof api.http.request>[2] = {}) =>
  api.http.request('GET', `/api/v1${path}`, options);

const at = (minute: number) => `2026-01-15T10:${String(minute).padStart(2, '0')}:00.000Z`;

const list = (id: string, overrides: Record<string, unknown>) =>
  appendEvent(side.store, `product-${id}`, 'ProductListed', productListedData(id, overrides));
const stock = (id: string, onHand: number) =>
  appendEvent(side.store, `stock-${id}`, 'StockReceived', stockReceivedData(id, onHand, onHand));

beforeAll(async () => {
  side = await createReadSideForTest('queryapi');
  service = createProjectionService(side.deps, {
    leaseRetryMs: 50,
    heartbeatMs: 100,
    retry: { attempts: 2, baseMs: 5, maxMs: 10 },
  });
  service.start();
  await list('prd_h1', {
    name: 'Wireless Headphones',
    description: 'Over-ear, noise cancelling',
    category: 'Audio',
    brand: 'Sonic',
    price: 9999,
    images: ['h1.png'],
    listed_at: at(1),
  });
  await list('prd_h2', {
    name: 'Headphone Stand',
    description: 'Holds one pair',
    category: 'Accessories',
    brand: 'Acme',
    price: 1999,
    listed_at: at(2),
  });
  await list('prd_c1', {
    name: 'Carrying Case',
    description: 'Fits most headphones',
    category: 'Accessories',
    brand: 'Acme',
    price: 1500,
    listed_at: at(3),
  });
  await list('prd_s1', {
    name: 'Bluetooth Speaker',
    description: 'Portable, deep bass',
    category: 'Audio',
    brand: 'Sonic',
    price: 4999,
    listed_at: at(4),
  });
  await list('prd_b1', { name: 'Cooking Basics', category: 'Books', price: 2500, listed_at: at(5) });
  await list('prd_k1', {
    name: 'Mechanical Keyboard',
    category: 'Computers',
    brand: 'Keys',
    price: 12999,
    listed_at: at(6),
  });
  await list('prd_d1', { name: 'Old Headphones', category: 'Audio', price: 999, listed_at: at(7) });
  await appendEvent(side.store, 'product-prd_d1', 'ProductDiscontinued', {
    schema_version: 1,
    product_id: 'prd_d1',
    discontinued_at: at(8),
  });
  await stock('prd_h1', 5);
  const head = await stock('prd_s1', 12);
  expect(await service.waitFor(head, 20_000)).toBe(true);
  // Generous: the store's read horizon is cluster-wide, so other tests' transactions can delay visibility.
  api = await startQueryApiForTest(side, { consistencyWaitMs: 10_000 });
});

afterAll(async () => {
  await api?.close();
  await service.stop();
  await side.close();
});

describe('GET /products', () => {
  it('lists listed products with stock, money as two-decimal numbers, newest first by default', async () => {
    const res = await get('/products');
    expect(res.status).toBe(200);
    expect(res.body.products.map((p: { product_id: string }) => p.product_id)).toEqual([
      'prd_k1',
      'prd_b1',
      'prd_s1',
      'prd_c1',
      'prd_h2',
      'prd_h1',
    ]);
    expect(res.body.pagination).toEqual({ page: 1, limit: 20, total_items: 6, total_pages: 1 });
    expect(res.body.products.at(-1)).toEqual({
      product_id: 'prd_h1',
      name: 'Wireless Headphones',
      description: 'Over-ear, noise cancelling',
      price: 99.99,
      currency: 'USD',
      category: 'Audio',
      category_path: [{ slug: 'audio', name: 'Audio' }],
      brand: 'Sonic',
      stock_quantity: 5,
      in_stock: true,
      images: ['h1.png'],
      rating: 0,
      reviews_count: 0,
    });
    expect(res.body.products[0]).toMatchObject({ product_id: 'prd_k1', stock_quantity: 0, in_stock: false });
  });

  it('filters by category (any case), price range and text, and pages', async () => {
    const ids = (res: { body: { products: { product_id: string }[] } }) =>
      res.body.products.map((p) => p.product_id);
    expect(ids(await get('/products?category=audio&sort_by=name'))).toEqual(['prd_s1', 'prd_h1']);
    expect(ids(await get('/products?min_price=20&max_price=99.99&sort_by=price_asc'))).toEqual([
      'prd_b1',
      'prd_s1',
      'prd_h1',
    ]);
    expect(ids(await get('/products?search=headphone'))).toEqual(
      expect.arrayContaining(['prd_h1', 'prd_h2', 'prd_c1']),
    );
    expect(ids(await get('/products?search=headphone'))).not.toContain('prd_d1');
    const page2 = await get('/products?page=2&limit=2&sort_by=price_desc');
    expect(ids(page2)).toEqual(['prd_s1', 'prd_b1']);
    expect(page2.body.pagination).toEqual({ page: 2, limit: 2, total_items: 6, total_pages: 3 });
    expect((await get('/products?page=9')).body.products).toEqual([]);
  });

  it('sorts by price, name, rating and newest', async () => {
    const ids = async (sort: string) =>
      (await get(`/products?sort_by=${sort}`)).body.products.map((p: { product_id: string }) => p.product_id);
    expect(await ids('price_asc')).toEqual(['prd_c1', 'prd_h2', 'prd_b1', 'prd_s1', 'prd_h1', 'prd_k1']);
    expect(await ids('price_desc')).toEqual(['prd_k1', 'prd_h1', 'prd_s1', 'prd_b1', 'prd_h2', 'prd_c1']);
    expect(await ids('name')).toEqual(['prd_s1', 'prd_c1', 'prd_b1', 'prd_h2', 'prd_k1', 'prd_h1']);
    expect(await ids('rating')).toEqual(['prd_b1', 'prd_c1', 'prd_h1', 'prd_h2', 'prd_k1', 'prd_s1']);
    expect(await ids('newest')).toEqual(['prd_k1', 'prd_b1', 'prd_s1', 'prd_c1', 'prd_h2', 'prd_h1']);
  });

  it.each([
    'page=0',
    'page=-1',
    'page=abc',
    'page=1.5',
    'limit=0',
    'limit=101',
    'limit=x',
    'page=1&page=2',
    'min_price=-1',
    'min_price=abc',
    'max_price=1.234',
    'min_price=50&max_price=10',
    'sort_by=popular',
  ])('refuses %s with 400 VAL_2001, never clamps', async (query) => {
    assertErrorBody(await get(`/products?${query}`), 400, 'VAL_2001');
  });
});

describe('GET /products/search', () => {
  it('finds word forms (headphone → Headphones), ranks name matches first, hides discontinued', async () => {
    const res = await get('/products/search?q=headphone');
    expect(res.status).toBe(200);
    expect(res.body.query).toBe('headphone');
    const ids = res.body.results.map((r: { product_id: string }) => r.product_id);
    expect(ids).toHaveLength(3);
    expect(ids.slice(0, 2).sort()).toEqual(['prd_h1', 'prd_h2']);
    expect(ids[2]).toBe('prd_c1'); // only its description mentions headphones
    expect(ids).not.toContain('prd_d1');
    const scores = res.body.results.map((r: { relevance_score: number }) => r.relevance_score);
    expect(scores[0]).toBeGreaterThanOrEqual(scores[1]);
    expect(scores[1]).toBeGreaterThan(scores[2]);
    expect(res.body.results.find((r: { product_id: string }) => r.product_id === 'prd_h1')).toMatchObject({
      name: 'Wireless Headphones',
      price: 99.99,
      image: 'h1.png',
      rating: 0,
    });
    expect(res.body.pagination).toEqual({ page: 1, limit: 20, total_items: 3, total_pages: 1 });
  });

  it('returns facets over every match: categories, brands, price ranges', async () => {
    const res = await get('/products/search?q=headphones&limit=1');
    expect(res.body.results).toHaveLength(1);
    expect(res.body.facets).toEqual({
      categories: [
        { value: 'Accessories', slug: 'accessories', count: 2 },
        { value: 'Audio', slug: 'audio', count: 1 },
      ],
      brands: [
        { value: 'Acme', count: 2 },
        { value: 'Sonic', count: 1 },
      ],
      price_ranges: [
        { value: '0-25', count: 2 },
        { value: '50-100', count: 1 },
      ],
      ratings: [],
    });
  });

  it('matches several words and brands; nothing found is an empty page', async () => {
    const res = await get('/products/search?q=sonic%20speaker');
    expect(res.body.results.map((r: { product_id: string }) => r.product_id)).toEqual(['prd_s1']);
    const none = await get('/products/search?q=submarine');
    expect(none.status).toBe(200);
    expect(none.body.results).toEqual([]);
    expect(none.body.pagination.total_items).toBe(0);
  });

  it('requires q (VAL_2002), refuses an empty q and bad paging (VAL_2001)', async () => {
    assertErrorBody(await get('/products/search'), 400, 'VAL_2002');
    assertErrorBody(await get('/products/search?q='), 400, 'VAL_2001');
    assertErrorBody(await get('/products/search?q=x&limit=500'), 400, 'VAL_2001');
  });
});

describe('GET /products/{id}', () => {
  it('returns the full product with stock_quantity (= available), in_stock and timestamps', async () => {
    const res = await get('/products/prd_h1');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      product_id: 'prd_h1',
      name: 'Wireless Headphones',
      price: 99.99,
      stock_quantity: 5,
      in_stock: true,
      discontinued: false,
      created_at: at(1),
      updated_at: at(1),
      rating: 0,
      reviews_count: 0,
    });
    expect((await get('/products/prd_h2')).body).toMatchObject({ stock_quantity: 0, in_stock: false });
  });

  it('still shows a discontinued product by id, never in stock', async () => {
    const res = await get('/products/prd_d1');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ discontinued: true, in_stock: false, stock_quantity: 0 });
  });

  it('404 RES_3001 for unknown or malformed ids', async () => {
    assertErrorBody(await get('/products/prd_nope'), 404, 'RES_3001');
    assertErrorBody(await get('/products/not-an-id'), 404, 'RES_3001');
  });

  it('the cached detail is invalidated by the projections (price, then stock)', async () => {
    expect((await get('/products/prd_s1')).body.price).toBe(49.99);
    const token = await appendEvent(side.store, 'product-prd_s1', 'PriceChanged', {
      schema_version: 1,
      product_id: 'prd_s1',
      old_price: 4999,
      new_price: 3999,
      currency: 'USD',
      changed_at: at(20),
    });
    const res = await get('/products/prd_s1', {
      headers: { 'X-Consistency-Token': positionToString(token) },
    });
    expect(res.body).toMatchObject({ price: 39.99, updated_at: at(20), stock_quantity: 12 });
    const restocked = positionToString(await stock('prd_s1', 20));
    const fresh = await get('/products/prd_s1', { headers: { 'X-Consistency-Token': restocked } });
    expect(fresh.body.stock_quantity).toBe(20);
    expect((await get('/products/prd_s1')).body.stock_quantity).toBe(20);
  });
});

describe('GET /categories', () => {
  it('lists categories with the count of listed products', async () => {
    const res = await get('/categories');
    expect(res.status).toBe(200);
    // Free-text categories written before the tree existed are root categories, matched by any case.
    expect(res.body.categories).toEqual([
      { slug: 'accessories', name: 'Accessories', product_count: 2, children: [] },
      { slug: 'audio', name: 'Audio', product_count: 2, children: [] },
      { slug: 'books', name: 'Books', product_count: 1, children: [] },
      { slug: 'computers', name: 'Computers', product_count: 1, children: [] },
    ]);
  });
});

describe('GET /inventory/{product_id} (admin)', () => {
  it('gives an admin the stock levels; a listed product without stock reads as zeros', async () => {
    const res = await get('/inventory/prd_h1', { token: api.token('admin') });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ product_id: 'prd_h1', on_hand: 5, reserved: 0, available: 5 });
    expect((await get('/inventory/prd_k1', { token: api.token('admin') })).body).toEqual({
      product_id: 'prd_k1',
      on_hand: 0,
      reserved: 0,
      available: 0,
    });
  });

  it('401 without or with a bad token, 403 for a customer or auditor, 404 for an unknown product', async () => {
    assertErrorBody(await get('/inventory/prd_h1'), 401, 'AUTH_1003');
    assertErrorBody(await get('/inventory/prd_h1', { token: 'not.a.jwt' }), 401, 'AUTH_1003');
    assertErrorBody(await get('/inventory/prd_h1', { token: api.token('customer') }), 403, 'AUTH_1004');
    assertErrorBody(await get('/inventory/prd_h1', { token: api.token('auditor') }), 403, 'AUTH_1004');
    assertErrorBody(await get('/inventory/prd_nope', { token: api.token('admin') }), 404, 'RES_3001');
  });
});

describe('read-your-writes (X-Consistency-Token)', () => {
  it('answers with the write right after the append', async () => {
    const token = positionToString(
      await list('prd_new', { name: 'Fresh Gadget', category: 'Gadgets', price: 100 }),
    );
    const res = await get('/products/prd_new', { headers: { 'X-Consistency-Token': token } });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('Fresh Gadget');
    const categories = await get('/categories', { headers: { 'X-Consistency-Token': token } });
    expect(categories.body.categories).toContainEqual(
      expect.objectContaining({ name: 'Gadgets', product_count: 1 }),
    );
  });

  it('400 VAL_2001 for a malformed token', async () => {
    for (const token of ['abc', '1', '1.2.3', '-1.2', ' ']) {
      assertErrorBody(await get('/products', { headers: { 'X-Consistency-Token': token } }), 400, 'VAL_2001');
    }
  });

  it('503 SYS_5002 with Retry-After when the read models do not reach the token in time', async () => {
    const head = (await side.store.headPosition())!;
    const future = `${head.commit + 1000n}.${head.prepare}`;
    const impatient = await startQueryApiForTest(side, { consistencyWaitMs: 300 });
    try {
      const started = Date.now();
      const res = await impatient.http.request('GET', '/api/v1/products', {
        headers: { 'X-Consistency-Token': future },
      });
      assertErrorBody(res, 503, 'SYS_5002');
      expect(res.headers.get('retry-after')).toBe('1');
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    } finally {
      await impatient.close();
    }
  });
});

describe('health, readiness, metrics', () => {
  it('/health answers without dependencies; unknown paths are 404 RES_3001', async () => {
    const res = await api.http.request('GET', '/health');
    expect(res.body).toEqual({ status: 'ok', service: 'query-api' });
    assertErrorBody(await get('/nowhere'), 404, 'RES_3001');
  });

  it('/ready reports each projection; a parked event makes it degraded', async () => {
    await eventually(async () => {
      const ready = await api.http.request('GET', '/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ready');
      expect(ready.body.dependencies.postgres.status).toBe('up');
      expect(ready.body.projections.catalog).toMatchObject({
        state: 'live',
        generation: 1,
        parked: 0,
        lag_ms: 0,
      });
      expect(ready.body.projections.inventory).toMatchObject({ state: 'live', parked: 0 });
    });
    // A ProductListed whose data no longer passes its schema: the handler fails every time.
    const poison = await appendEvent(
      side.store,
      'product-prd_bad',
      'ProductListed',
      productListedData('prd_bad', { price: -5 }),
    );
    expect(await service.waitFor(poison, 20_000, ['catalog'])).toBe(true);
    const ready = await api.http.request('GET', '/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');
    expect(ready.body.projections.catalog).toMatchObject({ state: 'degraded', parked: 1 });
    const metrics = await api.http.request('GET', '/metrics');
    expect(metrics.text).toContain('projection_parked_events_total{projection="catalog"} 1');
  });
});

describe('extra routes', () => {
  it('mounts route modules given as extraRoutes under /api/v1 with the shared context; /ready checks their read models', async () => {
    const extra = await startQueryApiForTest(side, {
      readModels: ['catalog', 'inventory', 'not_built_yet'],
      extraRoutes: [
        (context) => [
          route({
            method: 'get',
            path: '/whoami',
            access: 'authenticated',
            response: { status: 200 },
            handle: async ({ req }) => ({
              status: 200,
              body: { user_id: req.auth?.userId, catalog: context.watcher.state('catalog')?.generation },
            }),
          }),
        ],
      ],
    });
    try {
      const res = await extra.http.request('GET', '/api/v1/whoami', {
        token: extra.token('customer', 'usr_7'),
      });
      expect(res.body).toEqual({ user_id: 'usr_7', catalog: 1 });
      assertErrorBody(await extra.http.request('GET', '/api/v1/whoami'), 401, 'AUTH_1003');
      const ready = await extra.http.request('GET', '/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.projections.not_built_yet).toEqual({ state: 'missing' });
    } finally {
      await extra.close();
    }
  });
});
