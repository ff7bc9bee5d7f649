import { sql } from 'kysely';
import type { ReadModelDb } from '../../application/projection-runner/types.ts';
import { createCatalogQueries, type ListFilter } from '../../query-api/catalog-queries.ts';
import { createVariantQueries } from '../../query-api/variant-queries.ts';
import { timeSequential } from './latency-runs.ts';

const SEARCHES = [
  'headphone',
  'wireless speaker',
  'camera lens',
  'coffee',
  'running shoes',
  'stainless steel',
  'backpack',
  'smart',
];
const LISTINGS: {
  query: string;
  category?: string;
  filter: Omit<ListFilter, 'page' | 'limit'> & { page?: number };
}[] = [
  {
    query: 'category=Audio&min_price=20&max_price=200&sort_by=price_asc',
    category: 'Audio',
    filter: { minPrice: 2_000, maxPrice: 20_000, sortBy: 'price_asc' as const },
  },
  { query: 'category=Kitchen&sort_by=newest', category: 'Kitchen', filter: { sortBy: 'newest' as const } },
  { query: 'search=wireless&sort_by=rating', filter: { search: 'wireless', sortBy: 'rating' as const } },
  {
    query: 'min_price=50&max_price=100&sort_by=name&page=3',
    filter: { minPrice: 5_000, maxPrice: 10_000, sortBy: 'name' as const, page: 3 },
  },
];

/**
 * Search (full text with facets) and filtered listing, one request at a time, through the query API over
 * HTTP; the baseline is the statements the route runs (query-api/routes/catalog-routes.ts: the category
 * tree, the SKU matches, the page and its count, the page's variants), called directly on the same
 * database (the SQL alone).
 */
export async function searchAndList(options: { db: ReadModelDb; queryUrl: string; samples: number }) {
  const queries = createCatalogQueries(options.db);
  const variants = createVariantQueries(options.db);
  const schemas = { catalog: 'rm_catalog_g1', inventory: 'rm_inventory_g1', variants: 'rm_variants_g1' };
  const bySku = (text: string | undefined) =>
    text === undefined ? Promise.resolve(undefined) : variants.productsBySku(schemas, text);
  const listing = async ({ category, filter }: (typeof LISTINGS)[number]) => {
    const tree = await queries.tree(schemas);
    const named = category === undefined ? undefined : tree.resolve(category);
    const { rows } = await queries.list(schemas, {
      page: 1,
      limit: 20,
      ...filter,
      categorySlugs: category === undefined ? undefined : named ? tree.subtree(named.slug) : [],
      skuMatches: await bySku(filter.search),
    });
    await variants.of(
      schemas.variants,
      rows.map((row) => row.product_id),
    );
  };
  const searching = async (text: string) => {
    const skus = (await bySku(text)) ?? [];
    await Promise.all([queries.search(schemas, text, 1, 20, skus), queries.tree(schemas)]);
  };
  await sql`ANALYZE`.execute(options.db);
  const get = async (path: string) => {
    const res = await fetch(`${options.queryUrl}/api/v1${path}`);
    if (res.status !== 200) throw new Error(`${path} → ${res.status}`);
    await res.arrayBuffer();
  };
  const n = options.samples;
  const per = (list: readonly unknown[], total: number) => total * list.length;
  return {
    search: {
      api: await timeSequential(per(SEARCHES, n), (i) =>
        get(`/products/search?q=${encodeURIComponent(SEARCHES[i % SEARCHES.length]!)}`),
      ),
      sql: await timeSequential(per(SEARCHES, n), (i) => searching(SEARCHES[i % SEARCHES.length]!)),
    },
    listing: {
      api: await timeSequential(per(LISTINGS, n), (i) =>
        get(`/products?${LISTINGS[i % LISTINGS.length]!.query}`),
      ),
      sql: await timeSequential(per(LISTINGS, n), (i) => listing(LISTINGS[i % LISTINGS.length]!)),
    },
  };
}
