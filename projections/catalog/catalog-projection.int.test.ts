import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgProjection } from '../../application/projection-runner/types.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import type { Position } from '../../infra/eventstore/position.ts';
import { inventoryProjection } from '../inventory/inventory-projection.ts';
import { createProjectionService, type ProjectionService } from '../service.ts';
import {
  appendEvent,
  createReadSideForTest,
  productListedData,
  type ReadSideForTest,
  stockReceivedData,
} from '../test-support.ts';
import { catalogProjection } from './catalog-projection.ts';

let side: ReadSideForTest;
let service: ProjectionService;
let head: Position;

const at = (minute: number) => `2026-01-15T10:${String(minute).padStart(2, '0')}:00.000Z`;

beforeAll(async () => {
  side = await createReadSideForTest('catalogproj');
  service = createProjectionService(side.deps, {
    projections: [catalogProjection, inventoryProjection],
    leaseRetryMs: 50,
  });
  service.start();
  const { store } = side;
  await appendEvent(
    store,
    'product-prd_1',
    'ProductListed',
    productListedData('prd_1', {
      name: 'Studio Headphones',
      category: 'Audio',
      brand: 'Sonic',
      price: 19999,
      images: ['a.png'],
    }),
  );
  await appendEvent(
    store,
    'product-prd_2',
    'ProductListed',
    productListedData('prd_2', { name: 'Desk Speaker', category: 'Audio', listed_at: at(1) }),
  );
  await appendEvent(
    store,
    'product-prd_3',
    'ProductListed',
    productListedData('prd_3', { name: 'Cookbook', category: 'Books', listed_at: at(2) }),
  );
  await appendEvent(store, 'product-prd_2', 'ProductDetailsChanged', {
    schema_version: 1,
    product_id: 'prd_2',
    changes: { name: 'Bookshelf Speaker', category: 'Books', brand: 'Acme' },
    changed_at: at(3),
  });
  await appendEvent(store, 'product-prd_1', 'PriceChanged', {
    schema_version: 1,
    product_id: 'prd_1',
    old_price: 19999,
    new_price: 17999,
    currency: 'USD',
    changed_at: at(4),
  });
  await appendEvent(store, 'product-prd_3', 'ProductDiscontinued', {
    schema_version: 1,
    product_id: 'prd_3',
    discontinued_at: at(5),
  });
  await appendEvent(store, 'stock-prd_1', 'StockReceived', stockReceivedData('prd_1', 10, 10));
  head = await appendEvent(store, 'stock-prd_1', 'StockReserved', {
    schema_version: 1,
    product_id: 'prd_1',
    reservation_id: 'rsv_1',
    quantity: 3,
    expires_at: at(30),
    on_hand: 10,
    reserved: 3,
  });
  expect(await service.waitFor(head, 20_000)).toBe(true);
});

afterAll(async () => {
  await service.stop();
  await side.close();
});

const snapshot = async () => ({
  products: (await sql`SELECT * FROM rm_catalog_g1.products ORDER BY product_id`.execute(side.db)).rows,
  categories: (await sql`SELECT * FROM rm_catalog_g1.categories ORDER BY name`.execute(side.db)).rows,
  stock: (await sql`SELECT * FROM rm_inventory_g1.stock ORDER BY product_id`.execute(side.db)).rows,
});

async function applyAgain(projection: PgProjection, schema: string, events: RecordedEvent[]) {
  await side.db.transaction().execute(async (trx) => {
    const context = { schema, invalidate: () => {}, logger: side.logger };
    for (const event of events) await projection.apply(event, trx.withSchema(schema), context);
  });
}

describe('catalog and inventory projections', () => {
  it('given the events → the expected rows', async () => {
    const { products, categories, stock } = await snapshot();
    expect(products).toHaveLength(3);
    expect(products[0]).toMatchObject({
      product_id: 'prd_1',
      name: 'Studio Headphones',
      price: '17999',
      category: 'Audio',
      brand: 'Sonic',
      images: ['a.png'],
      discontinued: false,
      revision: '1',
    });
    expect((products[0] as { updated_at: Date }).updated_at.toISOString()).toBe(at(4));
    expect(products[1]).toMatchObject({
      name: 'Bookshelf Speaker',
      category: 'Books',
      brand: 'Acme',
      revision: '1',
    });
    expect(products[2]).toMatchObject({ product_id: 'prd_3', discontinued: true });
    // Counts of listed products: prd_2 moved to Books, prd_3 (Books) was discontinued.
    expect(categories).toEqual([
      { slug: 'audio', name: 'Audio', parent_slug: null, explicit: false, product_count: 1 },
      { slug: 'books', name: 'Books', parent_slug: null, explicit: false, product_count: 1 },
    ]);
    expect(stock).toEqual([
      expect.objectContaining({ product_id: 'prd_1', on_hand: 10, reserved: 3, available: 7, revision: '1' }),
    ]);
  });

  it('the same events again change nothing', async () => {
    const before = await snapshot();
    const all = (await side.store.readAll({ maxCount: 1000 })).events;
    await applyAgain(
      catalogProjection,
      'rm_catalog_g1',
      all.filter((e) => catalogProjection.eventTypes.includes(e.type)),
    );
    await applyAgain(
      inventoryProjection,
      'rm_inventory_g1',
      all.filter((e) => inventoryProjection.eventTypes.includes(e.type)),
    );
    // And an older prefix replayed after the newer events cannot roll anything back.
    await applyAgain(catalogProjection, 'rm_catalog_g1', all.slice(0, 2));
    expect(await snapshot()).toEqual(before);
  });
});
