import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { catalogProjection } from '../projections/catalog/catalog-projection.ts';
import {
  createProjectionService,
  type ProjectionService,
  rebuildProjection,
} from '../projections/service.ts';
import {
  appendEvent,
  createReadSideForTest,
  productListedData,
  type ReadSideForTest,
  stockReceivedData,
} from '../projections/test-support.ts';
import { startQueryApiForTest } from './test-support.ts';

/** Under load (the store's read horizon is cluster-wide, shared with other test files) give it time. */
const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 10_000, interval: 50 });

const PRODUCTS = 600;
let side: ReadSideForTest;
let service: ProjectionService;
let api: Awaited<ReturnType<typeof startQueryApiForTest>>;

beforeAll(async () => {
  side = await createReadSideForTest('rebuild');
  service = createProjectionService(side.deps, { leaseRetryMs: 50, heartbeatMs: 100 });
  service.start();
  let head = await appendEvent(side.store, 'stock-prd_0', 'StockReceived', stockReceivedData('prd_0', 1, 1));
  for (let i = 0; i < PRODUCTS; i += 1) {
    head = await appendEvent(
      side.store,
      `product-prd_${i}`,
      'ProductListed',
      productListedData(`prd_${i}`, {
        name: `${i % 2 === 0 ? 'Wireless' : 'Wired'} Widget ${i}`,
        category: `Category ${i % 10}`,
        brand: `Brand ${i % 7}`,
        price: 100 + i,
      }),
    );
  }
  expect(await service.waitFor(head, 30_000)).toBe(true);
  api = await startQueryApiForTest(side);
});

afterAll(async () => {
  await api?.close();
  await service.stop();
  await side.close();
});

const table = async (schema: string, name: string, order: string) =>
  (await sql`SELECT * FROM ${sql.table(`${schema}.${name}`)} ORDER BY ${sql.ref(order)}`.execute(side.db))
    .rows;

describe('rebuild while serving', () => {
  it('queries answer in full throughout; the new generation equals the old; the runner follows the swap', async () => {
    let done = false;
    const failures: string[] = [];
    let queries = 0;
    const reader = (async () => {
      while (!done) {
        const [listing, categories, search] = await Promise.all([
          api.http.request('GET', '/api/v1/products?limit=1'),
          api.http.request('GET', '/api/v1/categories'),
          api.http.request('GET', '/api/v1/products/search?q=wireless&limit=1'),
        ]);
        queries += 3;
        if (listing.status !== 200 || listing.body.pagination.total_items !== PRODUCTS)
          failures.push(`listing ${listing.status} ${listing.text.slice(0, 200)}`);
        const counted = categories.body.categories?.reduce(
          (n: number, c: { product_count: number }) => n + c.product_count,
          0,
        );
        if (categories.status !== 200 || counted !== PRODUCTS)
          failures.push(`categories ${categories.status} ${counted}`);
        if (search.status !== 200 || search.body.pagination.total_items !== PRODUCTS / 2)
          failures.push(`search ${search.status} ${search.body.pagination?.total_items}`);
      }
    })();

    const rebuilding = rebuildProjection('catalog', side.deps, { batchSize: 10 });
    // Writes keep arriving while the new generation is built.
    let head = await appendEvent(side.store, 'product-prd_1', 'PriceChanged', {
      schema_version: 1,
      product_id: 'prd_1',
      old_price: 101,
      new_price: 555,
      currency: 'USD',
      changed_at: '2026-01-15T11:00:00.000Z',
    });
    for (let i = 0; i < 20; i += 1) {
      head = await appendEvent(side.store, `product-prd_${i + 10}`, 'ProductDetailsChanged', {
        schema_version: 1,
        product_id: `prd_${i + 10}`,
        changes: { description: `changed ${i}` },
        changed_at: '2026-01-15T11:00:00.000Z',
      });
    }
    const result = await rebuilding;
    expect(await service.waitFor(head, 20_000)).toBe(true);
    done = true;
    await reader;

    expect(failures).toEqual([]);
    expect(queries).toBeGreaterThan(3);
    expect(result).toMatchObject({ projection: 'catalog', generation: 2, previous: 1 });
    expect(result.events).toBeGreaterThanOrEqual(PRODUCTS);

    const checkpoints = await side.db
      .selectFrom('projection_checkpoints')
      .select(['generation', 'position'])
      .where('projection', '=', 'catalog')
      .orderBy('generation')
      .execute();
    expect(checkpoints.map((c) => c.generation)).toEqual([1, 2]);
    // The new generation was analysed before the swap: every table has planner statistics
    // (reltuples is -1 until a table is first analysed).
    const unanalysed = await sql<{ relname: string }>`
      SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'rm_catalog_g2' AND c.relkind = 'r' AND c.reltuples < 0`.execute(side.db);
    expect(unanalysed.rows).toEqual([]);
    // Both generations stand at the same position (the old one stopped at the swap), and hold the same rows.
    expect(checkpoints[0]!.position).toBe(checkpoints[1]!.position);
    expect(await table('rm_catalog_g2', 'products', 'product_id')).toEqual(
      await table('rm_catalog_g1', 'products', 'product_id'),
    );
    expect(await table('rm_catalog_g2', 'categories', 'name')).toEqual(
      await table('rm_catalog_g1', 'categories', 'name'),
    );

    // The serving runner now writes generation 2, and queries read it.
    const token = await appendEvent(side.store, 'product-prd_2', 'ProductDiscontinued', {
      schema_version: 1,
      product_id: 'prd_2',
      discontinued_at: '2026-01-15T12:00:00.000Z',
    });
    const after = await api.http.request('GET', '/api/v1/products?limit=1', {
      headers: { 'X-Consistency-Token': `${token.commit}.${token.prepare}` },
    });
    expect(after.body.pagination.total_items).toBe(PRODUCTS - 1);
    expect((await api.http.request('GET', '/api/v1/products/prd_1')).body.price).toBe(5.55);
    const g1 = await sql<{
      n: string;
    }>`SELECT count(*) AS n FROM rm_catalog_g1.products WHERE discontinued`.execute(side.db);
    expect(g1.rows[0]!.n).toBe('0');

    // A second rebuild drops generation 1 and keeps 2 for queries still in flight.
    await rebuildProjection(catalogProjection.name, side.deps);
    const schemas = await sql<{
      nspname: string;
    }>`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rm_catalog_g%' ORDER BY nspname`.execute(side.db);
    expect(schemas.rows.map((r) => r.nspname)).toEqual(['rm_catalog_g2', 'rm_catalog_g3']);
    // With no new events, the idle serving runner still moves to the new generation, and /ready shows it.
    await eventually(() =>
      expect(service.runner('catalog').status()).toMatchObject({ generation: 3, state: 'live' }),
    );
    await eventually(async () => {
      const ready = await api.http.request('GET', '/ready');
      expect(ready.body.projections.catalog).toMatchObject({ generation: 3, state: 'live' });
    });
  });
});
