import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { positionToString } from '../infra/eventstore/position.ts';
import { catalogProjection } from '../projections/catalog/catalog-projection.ts';
import { createFixtureWriter } from '../projections/orders/test-events.ts';
import { projections } from '../projections/registry.ts';
import { createProjectionService, type ProjectionService } from '../projections/service.ts';
import {
  appendEvent,
  createReadSideForTest,
  productListedData,
  type ReadSideForTest,
} from '../projections/test-support.ts';
import { startQueryApiForTest } from './test-support.ts';

/**
 * GET /cart prices its lines from the catalog (and pricing, variants) read models, so its consistency
 * token must wait for those too, not only for the cart's. The catalog runs in a service of its own here,
 * stopped while the price changes: the cart projection passes the change's position at once, the catalog
 * only when it is started again.
 */
let side: ReadSideForTest;
let others: ProjectionService;
let catalog: ProjectionService;
let api: Awaited<ReturnType<typeof startQueryApiForTest>>;
const catalogOnly = () =>
  createProjectionService(side.deps, {
    projections: [catalogProjection],
    leaseRetryMs: 50,
    heartbeatMs: 100,
  });
const priceChange = (from: number, to: number) =>
  appendEvent(side.store, 'product-prd_lamp', 'PriceChanged', {
    schema_version: 1,
    product_id: 'prd_lamp',
    old_price: from,
    new_price: to,
    currency: 'USD',
    changed_at: '2026-01-15T11:00:00.000Z',
  });

beforeAll(async () => {
  side = await createReadSideForTest('cartconsistency');
  others = createProjectionService(side.deps, {
    projections: projections.filter((p) => p.name !== 'catalog'),
    leaseRetryMs: 50,
    heartbeatMs: 100,
  });
  catalog = catalogOnly();
  others.start();
  catalog.start();
  const w = createFixtureWriter(side.store);
  await appendEvent(
    side.store,
    'product-prd_lamp',
    'ProductListed',
    productListedData('prd_lamp', { name: 'Desk Lamp', category: 'Lighting', price: 1_000 }),
  );
  await w.stock('prd_lamp', 10);
  const head = await w.addToCart('usr_reader', 'item_1', { product: 'prd_lamp', quantity: 2, price: 1_000 });
  expect(await others.waitFor(head, 20_000)).toBe(true);
  expect(await catalog.waitFor(head, 20_000)).toBe(true);
  api = await startQueryApiForTest(side, { consistencyWaitMs: 20_000 });
});

afterAll(async () => {
  await api?.close();
  await Promise.all([others?.stop(), catalog?.stop()]);
  await side?.close();
});

const cart = (token?: string) =>
  api.http.request('GET', '/api/v1/cart', {
    token: api.token('customer', 'usr_reader'),
    headers: token ? { 'X-Consistency-Token': token } : {},
  });

describe('GET /cart with a consistency token', () => {
  it('shows a price changed by that command, though the catalog lags the cart read model', async () => {
    const before = await cart();
    expect(before.status).toBe(200);
    expect(before.body.items[0]).toMatchObject({ list_price: 10, unit_price: 10, in_stock: true });

    await catalog.stop();
    const changed = await priceChange(1_000, 2_500);
    // The cart projection skips the price change and moves past it; the catalog is not running.
    expect(await others.waitFor(changed, 20_000)).toBe(true);
    const read = cart(positionToString(changed));
    catalog = catalogOnly();
    catalog.start();
    const after = await read;
    expect(after.status).toBe(200);
    expect(after.body.items[0]).toMatchObject({ list_price: 25, unit_price: 25 });
    expect(after.body.subtotal).toBe(50);
  });

  it('a later change reaches the cached price too (the catalog names the product stale)', async () => {
    const changed = await priceChange(2_500, 1_750);
    const after = await cart(positionToString(changed));
    expect(after.body.items[0]).toMatchObject({ list_price: 17.5, unit_price: 17.5 });
  });
});
