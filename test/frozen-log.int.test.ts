import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allVisible } from '../application/audit/test-fixtures.ts';
import { createCommandHandler } from '../application/commands/command-handler.ts';
import { cartDecider } from '../domain/cart/cart.ts';
import { productDecider } from '../domain/catalog/product.ts';
import { checkoutDecider } from '../domain/checkout/checkout.ts';
import { stockDecider } from '../domain/inventory/stock.ts';
import { orderDecider } from '../domain/ordering/order.ts';
import type { Decider } from '../domain/shared/decider.ts';
import { createProjectionService, type ProjectionService } from '../projections/service.ts';
import { createReadSideForTest, type ReadSideForTest } from '../projections/test-support.ts';
import { startQueryApiForTest } from '../query-api/test-support.ts';
import { appendFrozenLog, foldFrozenLog, readFrozenLog } from './support/frozen-log.ts';

/**
 * The frozen log: events written by the code of 2026-12-04 (seed 7, 30 products, 10 shoppers; identity
 * streams left out), checked in as data and never regenerated. Whatever shape later events take, these
 * must still load through the command handler, fold and project to the same key rows: an upcaster that
 * gets an old shape wrong fails here. A deliberate change of a read model's shape updates the snapshot
 * (`-u`) and the diff shows exactly what moved.
 */
const log = readFrozenLog(new URL('./fixtures/log-v1.jsonl', import.meta.url));

// biome-ignore lint/suspicious/noExplicitAny: deciders of different aggregates, folded alike
const deciders: Record<string, Decider<any, any, any>> = {
  product: productDecider,
  stock: stockDecider,
  cart: cartDecider,
  order: orderDecider,
  checkout: checkoutDecider,
};
const pick = (value: unknown, keys: string[]) =>
  Object.fromEntries(keys.map((key) => [key, (value as Record<string, unknown>)[key]]));
const ids = (type: string, field: string) => [
  ...new Set(log.filter((e) => e.type === type).map((e) => String(e.data[field]))),
];

let side: ReadSideForTest;
let service: ProjectionService;
let api: Awaited<ReturnType<typeof startQueryApiForTest>>;

beforeAll(async () => {
  side = await createReadSideForTest('frozen_log');
  await appendFrozenLog(side.store, log);
  service = createProjectionService(side.deps, { leaseRetryMs: 50, heartbeatMs: 100 });
  service.start();
  expect(await service.waitFor(await allVisible(side.pool), 60_000)).toBe(true);
  api = await startQueryApiForTest(side);
});

afterAll(async () => {
  await api?.close();
  await service?.stop();
  await side?.close();
});

describe('the frozen fixture log v1', () => {
  it('holds the seed mix it was made from', () => {
    const types = new Set(log.map((e) => e.type));
    for (const type of ['ProductListed', 'StockReserved', 'ItemAddedToCart', 'OrderPlaced', 'OrderDelivered'])
      expect(types.has(type), type).toBe(true);
    expect(log.length).toBeGreaterThan(300);
  });

  it('folds every stream through the command handler to the same aggregate states', async () => {
    const folds = await foldFrozenLog(createCommandHandler({ store: side.store }), log, deciders);
    await expect(folds).toMatchFileSnapshot('./fixtures/log-v1.folds.snap.json');
  });

  it('projects to the same key rows of every read model the query API serves', async () => {
    const get = async (path: string, token?: string) => {
      const res = await api.http.request('GET', `/api/v1${path}`, token ? { token } : {});
      expect(res.status, path).toBe(200);
      return res.body as Record<string, unknown>;
    };
    const admin = api.token('admin');
    const rows: Record<string, unknown> = {};
    const listing = await get('/products?limit=100&sort_by=name');
    rows.products = (listing.products as unknown[]).map((p) =>
      pick(p, ['product_id', 'name', 'price', 'category', 'brand', 'stock_quantity', 'in_stock']),
    );
    rows.categories = ((await get('/categories')).categories as unknown[]).map((c) =>
      pick(c, ['name', 'product_count']),
    );
    for (const id of ids('ProductListed', 'product_id').sort()) {
      rows[`inventory ${id}`] = pick(await get(`/inventory/${id}`, admin), [
        'on_hand',
        'reserved',
        'available',
      ]);
      rows[`fbt ${id}`] = (
        (await get(`/products/${id}/frequently-bought-together`)).products as unknown[]
      ).map((p) => pick(p, ['product_id', 'confidence']));
    }
    for (const id of ids('OrderPlaced', 'order_id').sort()) {
      const order = await get(`/orders/${id}`, admin);
      rows[`order ${id}`] = {
        ...pick(order, ['status', 'total', 'subtotal', 'tax', 'shipping_cost', 'tracking_number']),
        items: (order.items as unknown[]).map((i) => pick(i, ['product_id', 'quantity', 'unit_price'])),
      };
    }
    for (const userId of ids('CartCreated', 'user_id').sort()) {
      const cart = await get('/cart', api.token('customer', userId));
      rows[`cart ${userId}`] = (cart.items as unknown[]).map((i) => pick(i, ['product_id', 'quantity']));
    }
    await expect(JSON.stringify(rows, null, 1)).toMatchFileSnapshot(
      './fixtures/log-v1.read-models.snap.json',
    );
  });
});
