import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQueryApiForTest } from '../../query-api/test-support.ts';
import { createProjectionService, type ProjectionService } from '../service.ts';
import {
  appendEvent,
  createReadSideForTest,
  productListedData,
  type ReadSideForTest,
} from '../test-support.ts';

let side: ReadSideForTest;
let service: ProjectionService;
let api: Awaited<ReturnType<typeof startQueryApiForTest>>;
const at = '2026-01-15T10:00:00.000Z';
const variant = { schema_version: 1, product_id: 'prd_hat', variant_id: 'var_h1' };

beforeAll(async () => {
  side = await createReadSideForTest('sku_search');
  // The name shares no word with either SKU, so only the SKU lookup can find it.
  const head = await appendEvent(
    side.store,
    'product-prd_hat',
    'ProductListed',
    productListedData('prd_hat', { name: 'Baseball hat', sku: 'HAT-0042' }),
  );
  await appendEvent(
    side.store,
    'product-prd_mug',
    'ProductListed',
    productListedData('prd_mug', { name: 'Mug' }),
  );
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

/** What search and the listing's `search` find for a text, by product id. */
const found = async (q: string) => {
  const get = async (path: string) => {
    const res = await api.http.request('GET', `/api/v1${path}`);
    expect(res.status, path).toBe(200);
    return res.body;
  };
  const ids = (rows: { product_id: string }[]) => rows.map((row) => row.product_id);
  return {
    search: ids((await get(`/products/search?q=${encodeURIComponent(q)}`)).results),
    listing: ids((await get(`/products?search=${encodeURIComponent(q)}`)).products),
  };
};
const only = (productId: string) => ({ search: [productId], listing: [productId] });
const none = { search: [], listing: [] };

describe('search by SKU', () => {
  it("finds a product by its own SKU, in any case; not by a part of it that isn't a word of its text", async () => {
    expect(await found('HAT-0042')).toEqual(only('prd_hat'));
    expect(await found('hat-0042')).toEqual(only('prd_hat'));
    expect(await found('0042')).toEqual(none);
  });

  it('finds a product by a variant SKU once the variant is added, and no longer once it is retired', async () => {
    expect(await found('ZQ-7731')).toEqual(none);
    const addedAt = await appendEvent(side.store, 'product-prd_hat', 'VariantAdded', {
      ...variant,
      sku: 'ZQ-7731',
      options: { size: 'one' },
      price_adjustment: 0,
      added_at: at,
    });
    expect(await service.waitFor(addedAt, 30_000)).toBe(true);
    expect(await found('zq-7731')).toEqual(only('prd_hat'));

    const retiredAt = await appendEvent(side.store, 'product-prd_hat', 'VariantRetired', {
      ...variant,
      retired_at: at,
    });
    expect(await service.waitFor(retiredAt, 30_000)).toBe(true);
    expect(await found('ZQ-7731')).toEqual(none);
    expect(await found('HAT-0042')).toEqual(only('prd_hat'));
  });

  it('does not find a discontinued product by its SKU', async () => {
    const head = await appendEvent(side.store, 'product-prd_hat', 'ProductDiscontinued', {
      schema_version: 1,
      product_id: 'prd_hat',
      discontinued_at: at,
    });
    expect(await service.waitFor(head, 30_000)).toBe(true);
    expect(await found('HAT-0042')).toEqual(none);
  });
});
