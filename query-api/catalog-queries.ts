import { type RawBuilder, sql } from 'kysely';
import type { ReadModelDb } from '../projections/runner/types.ts';
import { loadCategoryTree } from './category-tree.ts';

/** The schemas of the generations that serve right now (resolved per request from the watcher). */
export type Schemas = { catalog: string; inventory: string };

export type SortBy = 'price_asc' | 'price_desc' | 'name' | 'rating' | 'newest';

export type ListFilter = {
  page: number;
  limit: number;
  /** Only products filed in these categories (a category and its descendants); [] matches none. */
  categorySlugs?: string[] | undefined;
  search?: string | undefined;
  /** Only products whose published reviews average at least this. */
  minRating?: number | undefined;
  minPrice?: number | undefined;
  maxPrice?: number | undefined;
  sortBy?: SortBy | undefined;
};

export type ListedRow = {
  product_id: string;
  name: string;
  description: string | null;
  price: string;
  currency: string;
  category: string;
  category_slug: string;
  brand: string | null;
  images: string[];
  rating: string;
  reviews_count: number;
  available: number;
};

export type ProductDetailRow = ListedRow & {
  long_description: string | null;
  subcategory: string | null;
  sku: string | null;
  specifications: Record<string, unknown>;
  discontinued: boolean;
  created_at: Date;
  updated_at: Date;
};

export type SearchRow = {
  product_id: string;
  name: string;
  price: string;
  currency: string;
  image: string | null;
  rating: string;
  rank: number;
};

export type Facet = { value: string; count: number };

const table = (schema: string, name: string) => sql.table(`${schema}.${name}`);
const query = (text: string) => sql`websearch_to_tsquery('english', ${text})`;

const orderBy: Record<SortBy, RawBuilder<unknown>> = {
  price_asc: sql`p.price ASC, p.product_id ASC`,
  price_desc: sql`p.price DESC, p.product_id ASC`,
  name: sql`p.name ASC, p.product_id ASC`,
  rating: sql`p.rating DESC, p.reviews_count DESC, p.product_id ASC`,
  newest: sql`p.created_at DESC, p.product_id DESC`,
};

/** Price buckets of the search facets, in minor units: [label, from (inclusive), to (exclusive)]. */
export const PRICE_RANGES: readonly [string, number, number | null][] = [
  ['0-25', 0, 2_500],
  ['25-50', 2_500, 5_000],
  ['50-100', 5_000, 10_000],
  ['100-250', 10_000, 25_000],
  ['250-500', 25_000, 50_000],
  ['500+', 50_000, null],
];

const bucketCase = sql.raw(
  `CASE ${PRICE_RANGES.map(([label, from, to]) =>
    to === null
      ? `WHEN price >= ${from} THEN '${label}'`
      : `WHEN price >= ${from} AND price < ${to} THEN '${label}'`,
  ).join(' ')} END`,
);

export function createCatalogQueries(db: ReadModelDb) {
  return {
    /** Listed (not discontinued) products with their stock, filtered, sorted and paged. */
    async list(schemas: Schemas, filter: ListFilter): Promise<{ rows: ListedRow[]; total: number }> {
      const where = sql`NOT p.discontinued
        AND (${filter.categorySlugs ?? null}::text[] IS NULL OR p.category_slug = ANY(${filter.categorySlugs ?? null}))
        AND (${filter.minRating ?? null}::numeric IS NULL OR p.rating >= ${filter.minRating ?? null})
        AND (${filter.search ?? null}::text IS NULL OR p.search @@ ${query(filter.search ?? '')})
        AND (${filter.minPrice ?? null}::bigint IS NULL OR p.price >= ${filter.minPrice ?? null})
        AND (${filter.maxPrice ?? null}::bigint IS NULL OR p.price <= ${filter.maxPrice ?? null})`;
      const order = filter.sortBy
        ? orderBy[filter.sortBy]
        : filter.search
          ? sql`ts_rank(p.search, ${query(filter.search)}) DESC, p.product_id ASC`
          : orderBy.newest;
      const [rows, count] = await Promise.all([
        sql<ListedRow>`SELECT p.product_id, p.name, p.description, p.price, p.currency, p.category,
            p.category_slug, p.brand, p.images, p.rating, p.reviews_count, coalesce(s.available, 0) AS available
          FROM ${table(schemas.catalog, 'products')} p
          LEFT JOIN ${table(schemas.inventory, 'stock')} s ON s.product_id = p.product_id
          WHERE ${where} ORDER BY ${order} LIMIT ${filter.limit} OFFSET ${(filter.page - 1) * filter.limit}`.execute(
          db,
        ),
        sql<{ total: string }>`SELECT count(*) AS total FROM ${table(schemas.catalog, 'products')} p
          WHERE ${where}`.execute(db),
      ]);
      return { rows: rows.rows, total: Number(count.rows[0]?.total ?? 0) };
    },

    /** Full-text search ranked by ts_rank, with facets over every match (not just the page). */
    async search(
      schemas: Schemas,
      q: string,
      page: number,
      limit: number,
    ): Promise<{
      rows: SearchRow[];
      total: number;
      /** `categories` by category slug (the route folds them into the tree's top level). */
      facets: Record<'categories' | 'brands' | 'price_ranges' | 'ratings', Facet[]>;
    }> {
      const products = table(schemas.catalog, 'products');
      const [rows, facetRows] = await Promise.all([
        sql<SearchRow>`SELECT p.product_id, p.name, p.price, p.currency, p.images->>0 AS image, p.rating,
            ts_rank(p.search, q)::float8 AS rank
          FROM ${products} p, ${query(q)} q
          WHERE NOT p.discontinued AND p.search @@ q
          ORDER BY rank DESC, p.product_id ASC LIMIT ${limit} OFFSET ${(page - 1) * limit}`.execute(db),
        sql<{ facet: string; value: string; count: string }>`
          WITH m AS (SELECT p.category_slug, p.brand, p.price, p.rating FROM ${products} p, ${query(q)} q
                     WHERE NOT p.discontinued AND p.search @@ q)
          SELECT 'categories' AS facet, category_slug AS value, count(*) AS count FROM m GROUP BY category_slug
          UNION ALL SELECT 'brands', brand, count(*) FROM m WHERE brand IS NOT NULL GROUP BY brand
          UNION ALL SELECT 'price_ranges', bucket, count(*) FROM (SELECT ${bucketCase} AS bucket FROM m) b
            GROUP BY bucket
          UNION ALL SELECT 'ratings', r || '+', count(*) FROM m, generate_series(1, 4) r
            WHERE m.rating >= r GROUP BY r`.execute(db),
      ]);
      const facets = {
        categories: [] as Facet[],
        brands: [] as Facet[],
        price_ranges: [] as Facet[],
        ratings: [] as Facet[],
      };
      for (const row of facetRows.rows) {
        facets[row.facet as keyof typeof facets].push({ value: row.value, count: Number(row.count) });
      }
      const byCount = (a: Facet, b: Facet) => b.count - a.count || (a.value < b.value ? -1 : 1);
      facets.categories.sort(byCount);
      facets.brands.sort(byCount);
      const rangeOrder = PRICE_RANGES.map(([label]) => label);
      facets.price_ranges.sort((a, b) => rangeOrder.indexOf(a.value) - rangeOrder.indexOf(b.value));
      facets.ratings.sort((a, b) => (a.value < b.value ? 1 : -1));
      const total = facets.categories.reduce((sum, f) => sum + f.count, 0);
      return { rows: rows.rows, total, facets };
    },

    async product(schemas: Schemas, productId: string): Promise<ProductDetailRow | undefined> {
      const result =
        await sql<ProductDetailRow>`SELECT p.product_id, p.name, p.description, p.long_description,
          p.price, p.currency, p.category, p.category_slug, p.subcategory, p.brand, p.sku, p.images, p.specifications, p.rating,
          p.reviews_count, p.discontinued, p.created_at, p.updated_at, coalesce(s.available, 0) AS available
        FROM ${table(schemas.catalog, 'products')} p
        LEFT JOIN ${table(schemas.inventory, 'stock')} s ON s.product_id = p.product_id
        WHERE p.product_id = ${productId}`.execute(db);
      return result.rows[0];
    },

    /** The generation's category tree (read whole: it is small). */
    tree: (schemas: Pick<Schemas, 'catalog'>) => loadCategoryTree(db, schemas.catalog),

    /** Stock levels; a listed product with no stock events yet has zeros; undefined when neither exists. */
    async stock(schemas: Schemas, productId: string) {
      const result = await sql<{ on_hand: number; reserved: number; available: number }>`
        SELECT coalesce(s.on_hand, 0) AS on_hand, coalesce(s.reserved, 0) AS reserved,
               coalesce(s.available, 0) AS available
        FROM (SELECT ${productId}::text AS product_id) k
        LEFT JOIN ${table(schemas.inventory, 'stock')} s ON s.product_id = k.product_id
        LEFT JOIN ${table(schemas.catalog, 'products')} p ON p.product_id = k.product_id
        WHERE s.product_id IS NOT NULL OR p.product_id IS NOT NULL`.execute(db);
      return result.rows[0];
    },
  };
}

export type CatalogQueries = ReturnType<typeof createCatalogQueries>;
