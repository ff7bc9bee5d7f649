import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyHistory } from '../../application/audit/verify/verify-history.ts';
import { startQueryApiForTest } from '../../query-api/test-support.ts';
import { createProjectionService, type ProjectionService } from '../service.ts';
import {
  appendEvent,
  createReadSideForTest,
  productListedData,
  type ReadSideForTest,
  stockReceivedData,
} from '../test-support.ts';
import { variantsProjection } from './variants-projection.ts';

let side: ReadSideForTest;
let service: ProjectionService;
let api: Awaited<ReturnType<typeof startQueryApiForTest>>;
const at = '2026-01-15T10:00:00.000Z';
const ids = (variant: string) => ({ schema_version: 1, product_id: 'prd_tee', variant_id: variant });
const added = (variant: string, sku: string, options: Record<string, string>, adjustment: number) => ({
  ...ids(variant),
  sku,
  options,
  price_adjustment: adjustment,
  added_at: at,
});
const variantStock = (variant: string, quantity: number, onHand: number, reserved = 0) => ({
  ...stockReceivedData('prd_tee', quantity, onHand, reserved),
  schema_version: 2,
  variant_id: variant,
});

beforeAll(async () => {
  side = await createReadSideForTest('variants_projection');
  const { store } = side;
  const product = 'product-prd_tee';
  await appendEvent(
    store,
    product,
    'ProductListed',
    productListedData('prd_tee', { name: 'Tee', price: 2000 }),
  );
  await appendEvent(
    store,
    product,
    'VariantAdded',
    added('var_m', 'TEE-M', { size: 'M', color: 'red' }, 500),
  );
  await appendEvent(
    store,
    product,
    'VariantAdded',
    added('var_l', 'TEE-L', { size: 'L', color: 'red' }, -500),
  );
  await appendEvent(store, product, 'VariantAdded', added('var_s', 'TEE-S', { size: 'S', color: 'blue' }, 0));
  await appendEvent(store, product, 'VariantChanged', {
    ...ids('var_l'),
    changes: { sku: 'TEE-L2', price_adjustment: 1000 },
    changed_at: at,
  });
  await appendEvent(store, product, 'VariantRetired', { ...ids('var_s'), retired_at: at });
  await appendEvent(store, 'stock-prd_tee~var_m', 'StockReceived', variantStock('var_m', 50, 50));
  await appendEvent(store, 'stock-prd_tee~var_l', 'StockReceived', variantStock('var_l', 3, 3));
  await appendEvent(store, 'stock-prd_tee~var_l', 'StockReserved', {
    ...variantStock('var_l', 3, 3, 3),
    reservation_id: 'rsv_1',
    expires_at: at,
  });
  // A product without variants, with product-level stock: unchanged by any of this.
  await appendEvent(store, 'product-prd_mug', 'ProductListed', productListedData('prd_mug', { name: 'Mug' }));
  const head = await appendEvent(store, 'stock-prd_mug', 'StockReceived', stockReceivedData('prd_mug', 7, 7));
  service = createProjectionService(side.deps, { leaseRetryMs: 50, heartbeatMs: 100 });
  service.start();
  expect(await service.waitFor(head, 30_000)).toBe(true);
  api = await startQueryApiForTest(side);
});

afterAll(async () => {
  await api?.close();
  await service?.stop();
  await side?.close();
});

const variantRows = async () =>
  (
    await sql`SELECT variant_id, sku, options, price_adjustment::text, status, on_hand, reserved, available
      FROM rm_variants_g1.variants ORDER BY variant_id`.execute(side.db)
  ).rows;

const get = async (path: string, token?: string) => {
  const res = await api.http.request('GET', `/api/v1${path}`, token ? { token } : {});
  expect(res.status, path).toBe(200);
  return res.body;
};

describe('variants projection', () => {
  it('keeps each variant with its facts and its own stock levels', async () => {
    expect(await variantRows()).toEqual([
      {
        variant_id: 'var_l',
        sku: 'TEE-L2',
        options: { size: 'L', color: 'red' },
        price_adjustment: '1000',
        status: 'active',
        on_hand: 3,
        reserved: 3,
        available: 0,
      },
      {
        variant_id: 'var_m',
        sku: 'TEE-M',
        options: { size: 'M', color: 'red' },
        price_adjustment: '500',
        status: 'active',
        on_hand: 50,
        reserved: 0,
        available: 50,
      },
      {
        variant_id: 'var_s',
        sku: 'TEE-S',
        options: { size: 'S', color: 'blue' },
        price_adjustment: '0',
        status: 'retired',
        on_hand: 0,
        reserved: 0,
        available: 0,
      },
    ]);
  });

  // Newest first: older events come last, so only the guards keep them from winning.
  it('changes nothing when the same events are applied again, newest first', async () => {
    const before = await variantRows();
    const events = (await side.store.readStream('product-prd_tee'))
      .concat(await side.store.readStream('stock-prd_tee~var_l'))
      .reverse();
    await side.db.transaction().execute(async (trx) => {
      for (const event of events)
        await variantsProjection.apply(event, trx.withSchema('rm_variants_g1'), {
          schema: 'rm_variants_g1',
          invalidate: () => {},
          logger: side.logger,
        });
    });
    expect(await variantRows()).toEqual(before);
  });

  it('keeps variant stock out of the product-level stock row', async () => {
    const stock =
      await sql`SELECT product_id, on_hand FROM rm_inventory_g1.stock ORDER BY product_id`.execute(side.db);
    expect(stock.rows).toEqual([{ product_id: 'prd_mug', on_hand: 7 }]);
  });
});

describe('query API over variants', () => {
  it('GET /products/{id} adds the active variants, options and price_range; stock is theirs', async () => {
    const product = await get('/products/prd_tee');
    expect(product).toMatchObject({
      price: 20,
      stock_quantity: 50,
      in_stock: true,
      price_range: { min: 25, max: 30 },
      options: { size: ['L', 'M'], color: ['red'] },
      variants: [
        {
          variant_id: 'var_l',
          sku: 'TEE-L2',
          options: { size: 'L', color: 'red' },
          price: 30,
          stock_quantity: 0,
          in_stock: false,
        },
        {
          variant_id: 'var_m',
          sku: 'TEE-M',
          options: { size: 'M', color: 'red' },
          price: 25,
          stock_quantity: 50,
          in_stock: true,
        },
      ],
    });
  });

  it('leaves a product without variants exactly as before', async () => {
    const mug = await get('/products/prd_mug');
    expect(mug).toMatchObject({ stock_quantity: 7, in_stock: true });
    for (const field of ['variants', 'options', 'price_range']) expect(mug).not.toHaveProperty(field);
  });

  it('lists price_range for products with variants only, and finds a product by a variant SKU', async () => {
    const listing = await get('/products?sort_by=name');
    expect(listing.products.map((p: Record<string, unknown>) => [p.product_id, p.price_range])).toEqual([
      ['prd_mug', undefined],
      ['prd_tee', { min: 25, max: 30 }],
    ]);
    const bySku = await get('/products/search?q=tee-m');
    expect(bySku.results.map((r: { product_id: string }) => r.product_id)).toEqual(['prd_tee']);
    const listedBySku = await get('/products?search=TEE-L2');
    expect(listedBySku.products.map((p: { product_id: string }) => p.product_id)).toEqual(['prd_tee']);
    const retiredSku = await get('/products/search?q=TEE-S');
    expect(retiredSku.results).toEqual([]);
  });

  it('filters min_price/max_price by the active variants’ prices, by its own price without variants', async () => {
    const ids = async (query: string) =>
      (await get(`/products?sort_by=name&${query}`)).products.map(
        (p: { product_id: string }) => p.product_id,
      );
    expect(await ids('min_price=21&max_price=26')).toEqual(['prd_tee']); // variant M at 25, base 20
    expect(await ids('min_price=19&max_price=21')).toEqual([]); // only the base price: not sold as such
    expect(await ids('min_price=26&max_price=29')).toEqual([]); // between 25 and 30, neither
    expect(await ids('min_price=30')).toEqual(['prd_tee']);
    expect(await ids('max_price=15')).toEqual(['prd_mug']);
    expect(await ids('max_price=25&search=tee')).toEqual(['prd_tee']);
  });

  it('GET /inventory/{id} adds each variant with its levels', async () => {
    const stock = await get('/inventory/prd_tee', api.token('admin'));
    expect(stock).toEqual({
      product_id: 'prd_tee',
      on_hand: 0,
      reserved: 0,
      available: 0,
      variants: [
        { variant_id: 'var_l', sku: 'TEE-L2', status: 'active', on_hand: 3, reserved: 3, available: 0 },
        { variant_id: 'var_m', sku: 'TEE-M', status: 'active', on_hand: 50, reserved: 0, available: 50 },
        { variant_id: 'var_s', sku: 'TEE-S', status: 'retired', on_hand: 0, reserved: 0, available: 0 },
      ],
    });
  });
});

describe('audit verify over variants', () => {
  it('finds the variants read model equal to the fold, and reports a row that drifted', async () => {
    const clean = await verifyHistory({ store: side.store, db: side.db, graceMs: 0 });
    expect(clean.readModels.find((m) => m.name === 'variants')).toMatchObject({ rows: 3, differences: 0 });
    await sql`UPDATE rm_variants_g1.variants SET on_hand = 99 WHERE variant_id = 'var_m'`.execute(side.db);
    const drifted = await verifyHistory({ store: side.store, db: side.db, graceMs: 0 });
    expect(drifted.readModels.find((m) => m.name === 'variants')?.differences).toBe(1);
    expect(drifted.findings.map((f) => [f.kind, f.stream])).toContainEqual([
      'read-model-mismatch',
      'variant prd_tee~var_m',
    ]);
  });
});
