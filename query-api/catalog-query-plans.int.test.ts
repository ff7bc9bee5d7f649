import { type CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadModelDb } from '../application/projection-runner/types.ts';
import { createPool } from '../infra/postgres/pool.ts';
import { catalogDdl } from '../projections/catalog/catalog-schema.ts';
import { variantsProjection } from '../projections/variants/variants-projection.ts';
import { createTestDatabase } from '../test/support/isolation.ts';
import { createCatalogQueries, MATCH_CAP } from './catalog-queries.ts';

/**
 * The heaviest catalog queries are served by indexes (issue 18, "search in bounded time"; issue 14): a broad
 * search term with its facets, a text-filtered listing sorted by rating, a category listing in a price
 * range, a category listing (with descendants) sorted by rating, and a price range over variants. The
 * catalog holds 40,000 products (rows as wide as the seed's) of which a fifth match "smart", so a
 * sequential scan is what the planner would pick with PostgreSQL's default page costs (pool.ts
 * RANDOM_PAGE_COST); the test reads the plans of the very statements createCatalogQueries sends, through a
 * pool made as production makes it.
 */
const PRODUCTS = 40_000;
const schemas = { catalog: 'plans_catalog', inventory: 'plans_inventory' };
/**
 * The same catalog with a variants read model, twice: adjustments on both sides of zero (−5 … +14.99), and
 * all above it (+1 … +16), where a span not widened to 0 would drop products without variants.
 */
const withVariants = [
  { ...schemas, variants: 'plans_variants', adjustment: '((i * 53 + k * 611) % 2000) - 500' },
  { ...schemas, variants: 'plans_variants_up', adjustment: '100 + (i * 53 + k * 611) % 1500' },
];

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let db: Kysely<unknown>;
const sent: CompiledQuery[] = [];

beforeAll(async () => {
  database = await createTestDatabase('query_plans');
  pool = createPool({ connectionString: database.url, max: 2, applicationName: 'plans-test' });
  db = new Kysely({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      if (event.level === 'query') sent.push(event.query);
    },
  });
  await pool.query(`CREATE SCHEMA ${schemas.catalog}; CREATE SCHEMA ${schemas.inventory};
    CREATE TABLE ${schemas.inventory}.stock (product_id text PRIMARY KEY, on_hand int, reserved int, available int)`);
  await pool.query(catalogDdl(schemas.catalog));
  await pool.query(
    `INSERT INTO ${schemas.catalog}.products (product_id, name, description, long_description, price, currency, category,
       category_slug, brand, rating, reviews_count, revision, created_at, updated_at)
     SELECT 'prd_p' || i,
       (ARRAY['Smart','Wireless','Compact','Classic','Pro'])[1 + i % 5]
         || ' ' || (ARRAY['Speaker','Lamp','Kettle','Camera','Backpack','Watch','Mouse','Blender','Jacket',
         'Router','Drill','Tent','Headphones','Monitor','Desk','Chair','Bottle','Charger','Shoe','Grill'])[1 + (i / 10) % 20]
         || ' ' || i,
       'A well made thing, model ' || i, repeat(md5(i::text) || ' ', 30), 100 + (i * 7919) % 100000, 'USD', 'Category ' || (i % 30),
       'category-' || (i % 30), 'Brand ' || (i % 200), ((i * 37) % 500) / 100.0, (i * 13) % 9, 0,
       timestamptz '2026-01-01' + i * interval '1 minute', timestamptz '2026-01-01'
     FROM generate_series(1, $1::int) i`,
    [PRODUCTS],
  );
  await pool.query(
    `INSERT INTO ${schemas.inventory}.stock SELECT product_id, 5, 0, 5 FROM ${schemas.catalog}.products`,
  );
  for (const { variants, adjustment } of withVariants) {
    await pool.query(`CREATE SCHEMA ${variants}`);
    await pool.query(variantsProjection.ddl(variants));
    // A thousand products sold as variants (one of three retired), a hundred with only a retired variant, and
    // a hundred whose only variant's product is not yet known (product_revision −1): both priced by their own.
    await pool.query(
      `INSERT INTO ${variants}.variants (variant_id, product_id, price_adjustment, status, product_revision)
       SELECT 'var_' || i || '_' || k, 'prd_p' || (i * 40), ${adjustment},
         CASE WHEN k = 3 THEN 'retired' ELSE 'active' END, 0
       FROM generate_series(1, 1000) i, generate_series(1, 3) k
       UNION ALL SELECT 'var_retired_' || i, 'prd_p' || (i * 40 + 7), 500, 'retired', 0 FROM generate_series(1, 100) i
       UNION ALL SELECT 'var_unknown_' || i, 'prd_p' || (i * 40 + 13), 90000, 'active', -1 FROM generate_series(1, 100) i`,
    );
  }
  await pool.query('VACUUM ANALYZE');
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

type PlanNode = {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
  // With ANALYZE: rows per loop, loops, and rows a filter threw away per loop.
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
};
const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/** The plan of every statement `run` sends, as flat node lists. */
async function plansOf(
  run: (queries: ReturnType<typeof createCatalogQueries>) => Promise<unknown>,
  { analyze = false } = {},
) {
  sent.length = 0;
  await run(createCatalogQueries(db as ReadModelDb));
  const plans: PlanNode[][] = [];
  for (const query of sent.splice(0)) {
    const explain = analyze ? 'EXPLAIN (ANALYZE, FORMAT JSON)' : 'EXPLAIN (FORMAT JSON)';
    const result = await pool.query(`${explain} ${query.sql}`, [...query.parameters]);
    plans.push(nodesOf(result.rows[0]['QUERY PLAN'][0].Plan as PlanNode));
  }
  return plans;
}

const seqScansOfProducts = (plan: PlanNode[]) =>
  plan.filter((node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'products');
const indexesUsed = (plan: PlanNode[]) => plan.map((node) => node['Index Name']).filter(Boolean);

describe('catalog query plans over 40,000 products', () => {
  it('a broad search term and its facets: one statement, through the GIN index, capped', async () => {
    const plans = await plansOf((queries) => queries.search(schemas, 'smart', 1, 20));
    expect(plans).toHaveLength(1);
    expect(indexesUsed(plans[0]!)).toContain('products_search_idx');
    expect(seqScansOfProducts(plans[0]!)).toEqual([]);
    const found = await createCatalogQueries(db as ReadModelDb).search(schemas, 'smart', 1, 20);
    expect(found.total).toBe(PRODUCTS / 5);
    expect(found.facets.categories.reduce((sum, facet) => sum + facet.count, 0)).toBe(PRODUCTS / 5);
    const rated = await pool.query(
      `SELECT r || '+' AS value, count(*)::int AS count FROM ${schemas.catalog}.products, generate_series(4, 1, -1) r
       WHERE search @@ websearch_to_tsquery('english', 'smart') AND rating >= r GROUP BY r ORDER BY r DESC`,
    );
    expect(found.facets.ratings).toEqual(rated.rows);
    // One match, rated 2.22: the steps above it are absent, not zero.
    const one = await createCatalogQueries(db as ReadModelDb).search(schemas, '"wireless speaker 6"', 1, 20);
    expect(one.rows.map((row) => [row.product_id, row.rating])).toEqual([['prd_p6', '2.22']]);
    expect(one.facets.ratings).toEqual([
      { value: '2+', count: 1 },
      { value: '1+', count: 1 },
    ]);
  });

  it('a text-filtered listing sorted by rating goes through the GIN index', async () => {
    const plans = await plansOf((queries) =>
      queries.list(schemas, { page: 1, limit: 20, search: 'smart', sortBy: 'rating' }),
    );
    expect(plans).toHaveLength(1);
    expect(indexesUsed(plans[0]!)).toContain('products_search_idx');
    expect(seqScansOfProducts(plans[0]!)).toEqual([]);
  });

  it('a category listing in a price range, sorted by price, reads an index', async () => {
    const plans = await plansOf((queries) =>
      queries.list(schemas, {
        page: 1,
        limit: 20,
        categorySlugs: ['category-3'],
        minPrice: 20_000,
        maxPrice: 60_000,
        sortBy: 'price_asc',
      }),
    );
    expect(plans).toHaveLength(2); // the page and its capped count
    for (const plan of plans) {
      expect(seqScansOfProducts(plan)).toEqual([]);
      // products_rating_idx covers category_slug and price, so the count may read it alone (index only).
      expect(
        indexesUsed(plan).some((name) => /^products_(category|price|rating)_idx$/.test(String(name))),
      ).toBe(true);
    }
  });

  it('a category listing with its descendants, sorted by rating, reads the top of each category from an index', async () => {
    // The test's ratings are skewed by category (rating and category both follow i mod 10), as a real
    // catalog's may be: walking the catalog-wide rating order would read thousands of other categories' rows.
    const slugs = ['category-3', 'category-4', 'category-5'];
    const [page, limit] = [3, 20];
    const plans = await plansOf(
      (queries) => queries.list(schemas, { page, limit, categorySlugs: slugs, sortBy: 'rating' }),
      { analyze: true },
    );
    expect(plans).toHaveLength(2); // the page and its capped count
    // The page joins the stock; the count (sent at the same time) does not.
    const pagePlan = plans.find((plan) => plan.some((node) => node['Relation Name'] === 'stock'))!;
    expect(indexesUsed(pagePlan)).toContain('products_category_rating_idx');
    // Each category gives at most offset + limit rows, read in order from the index, none thrown away.
    const readFromProducts = pagePlan
      .filter((node) => node['Relation Name'] === 'products')
      .reduce(
        (sum, node) =>
          sum +
          ((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0)) * (node['Actual Loops'] ?? 1),
        0,
      );
    expect(readFromProducts).toBeGreaterThan(0);
    expect(readFromProducts).toBeLessThanOrEqual(slugs.length * page * limit);
    for (const plan of plans) expect(seqScansOfProducts(plan)).toEqual([]);
    // And it is the page the plain order gives.
    const listed = await createCatalogQueries(db as ReadModelDb).list(schemas, {
      page,
      limit,
      categorySlugs: slugs,
      sortBy: 'rating',
    });
    const expected = await pool.query(
      `SELECT product_id FROM ${schemas.catalog}.products WHERE category_slug = ANY($1) AND NOT discontinued
       ORDER BY rating DESC, reviews_count DESC, product_id LIMIT $2 OFFSET $3`,
      [slugs, limit, (page - 1) * limit],
    );
    expect(listed.rows.map((row) => row.product_id)).toEqual(expected.rows.map((row) => row.product_id));
  });

  it('a price range over variants reads the base prices it implies from the price index, and lists the same', async () => {
    const ranges = [{ minPrice: 20_000, maxPrice: 30_000 }, { minPrice: 90_000 }, { maxPrice: 5_000 }];
    for (const current of withVariants)
      for (const range of ranges) {
        const filter = { page: 2, limit: 20, sortBy: 'name' as const, ...range };
        const plans = await plansOf((queries) => queries.list(current, filter));
        expect(plans).toHaveLength(3); // the adjustments' span, then the page and its capped count
        // The count reads products and not the stock; the span reads neither.
        const reads = (plan: PlanNode[], relation: string) =>
          plan.some((node) => node['Relation Name'] === relation);
        const countPlan = plans.find((plan) => reads(plan, 'products') && !reads(plan, 'stock'))!;
        expect(seqScansOfProducts(countPlan)).toEqual([]);
        expect(indexesUsed(countPlan)).toContain('products_price_idx');
        // The answer is the rule's (docs/catalog.md), written without the implied range.
        const active = `v.product_id = p.product_id AND v.status = 'active' AND v.product_revision >= 0`;
        const expected = await pool.query(
          `WITH priced AS (
             SELECT p.product_id, p.name,
               CASE WHEN EXISTS (SELECT 1 FROM ${current.variants}.variants v WHERE ${active})
               THEN EXISTS (SELECT 1 FROM ${current.variants}.variants v WHERE ${active}
                 AND p.price + v.price_adjustment BETWEEN $1 AND $2)
               ELSE p.price BETWEEN $1 AND $2 END AS listed
             FROM ${schemas.catalog}.products p WHERE NOT p.discontinued)
           SELECT product_id, count(*) OVER ()::int AS total FROM priced WHERE listed
           ORDER BY name, product_id LIMIT 20 OFFSET 20`,
          [range.minPrice ?? 0, range.maxPrice ?? Number.MAX_SAFE_INTEGER],
        );
        const listed = await createCatalogQueries(db as ReadModelDb).list(current, filter);
        expect(listed.rows.map((row) => row.product_id)).toEqual(expected.rows.map((row) => row.product_id));
        expect(listed.total).toBe(expected.rows[0].total);
      }
  });

  it('counts stop at the cap: an unfiltered listing says at least MATCH_CAP', async () => {
    const listed = await createCatalogQueries(db as ReadModelDb).list(schemas, { page: 1, limit: 5 });
    expect(listed.total).toBe(MATCH_CAP);
    expect(listed.rows.map((row) => row.product_id)).toEqual([
      'prd_p40000',
      'prd_p39999',
      'prd_p39998',
      'prd_p39997',
      'prd_p39996',
    ]);
  });
});
