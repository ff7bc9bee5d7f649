import { type RawBuilder, sql } from 'kysely';
import type { ReadModelDb } from '../application/projection-runner/types.ts';
import { loadCategoryTree } from './category-tree.ts';
import { priceFilter, readAdjustmentSpan } from './price-filter.ts';

/** The schemas of the generations that serve right now (resolved per request from the watcher). */
export type Schemas = { catalog: string; inventory: string; variants?: string | undefined };

export type SortBy = 'price_asc' | 'price_desc' | 'name' | 'rating' | 'newest';

export type ListFilter = {
  page: number;
  limit: number;
  /** Only products filed in these categories (a category and its descendants); [] matches none. */
  categorySlugs?: string[] | undefined;
  search?: string | undefined;
  /** Products a search also matches by a variant's SKU (looked up first, so the text index stays one scan). */
  skuMatches?: string[] | undefined;
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

type FacetName = 'categories' | 'brands' | 'price_ranges' | 'ratings';

/**
 * Most matches a search ranks, facets and counts, and a listing counts: beyond it `total` says "at least
 * this many", as Elasticsearch's `track_total_hits` does at the same 10,000. It bounds the work of a broad
 * term (docs/search.md).
 */
export const MATCH_CAP = 10_000;

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

/**
 * The ratings facet ("4+" … "1+", each the matches rated at least that), counted in one pass over the matches.
 * A join with the four steps compared every match with each step and grouped the pairs: a quarter of a
 * broad term's statement.
 */
const ratingsFacet =
  sql.raw(`(SELECT coalesce(json_agg(json_build_object('value', f.value, 'count', f.count)), '[]')
  FROM (SELECT ${[1, 2, 3, 4].map((r) => `count(*) FILTER (WHERE rating >= ${r})::int AS c${r}`).join(', ')} FROM m) c
  CROSS JOIN LATERAL (VALUES ${[1, 2, 3, 4].map((r) => `('${r}+', c.c${r})`).join(', ')}) f(value, count)
  WHERE f.count > 0) AS ratings`);

export function createCatalogQueries(db: ReadModelDb) {
  /** How many rows match, counted up to MATCH_CAP. */
  const countOf = async (products: RawBuilder<unknown>, where: RawBuilder<unknown>) => {
    const result = await sql<{ total: number }>`SELECT count(*)::int AS total
      FROM (SELECT 1 FROM ${products} p WHERE ${where} LIMIT ${MATCH_CAP}) capped`.execute(db);
    return result.rows[0]?.total ?? 0;
  };
  return {
    /** Listed (not discontinued) products with their stock, filtered, sorted and paged. */
    async list(schemas: Schemas, filter: ListFilter): Promise<{ rows: ListedRow[]; total: number }> {
      const span = await readAdjustmentSpan(db, schemas.variants, filter);
      const where = sql`NOT p.discontinued
        AND (${filter.categorySlugs ?? null}::text[] IS NULL OR p.category_slug = ANY(${filter.categorySlugs ?? null}))
        AND (${filter.minRating ?? null}::numeric IS NULL OR p.rating >= ${filter.minRating ?? null})
        AND (${filter.search ?? null}::text IS NULL OR p.search @@ ${query(filter.search ?? '')}
          OR p.product_id = ANY(${filter.skuMatches ?? []}::text[]))
        AND ${priceFilter(schemas.variants, filter, span)}`;
      const products = table(schemas.catalog, 'products');
      const columns = sql`p.product_id, p.name, p.description, p.price, p.currency, p.category, p.category_slug,
        p.brand, p.images, p.rating, p.reviews_count, coalesce(s.available, 0) AS available`;
      const listedColumns = sql`p.product_id, p.name, p.description, p.price, p.currency, p.category,
        p.category_slug, p.brand, p.images, p.rating, p.reviews_count, p.created_at`;
      const stock = sql`LEFT JOIN ${table(schemas.inventory, 'stock')} s ON s.product_id = p.product_id`;
      const page = sql`LIMIT ${filter.limit} OFFSET ${(filter.page - 1) * filter.limit}`;
      if (filter.search) {
        // A text query ranks and counts its first MATCH_CAP matches, as search does, in one index scan; the
        // matches carry their sort keys, so only the page's rows are joined with their details and stock.
        const order = filter.sortBy ? orderBy[filter.sortBy] : sql`p.rank DESC, p.product_id ASC`;
        const result = await sql<ListedRow & { total: number }>`
          WITH m AS MATERIALIZED (
            SELECT p.product_id, p.price, p.name, p.rating, p.reviews_count, p.created_at,
              ts_rank(p.search, ${query(filter.search)}) AS rank
            FROM ${products} p WHERE ${where} LIMIT ${MATCH_CAP}
          ), hits AS (
            SELECT p.product_id, row_number() OVER (ORDER BY ${order}) AS n FROM m p ORDER BY ${order} ${page}
          )
          SELECT ${columns}, (SELECT count(*)::int FROM m) AS total
          FROM hits h JOIN ${products} p ON p.product_id = h.product_id ${stock}
          ORDER BY h.n`.execute(db);
        // A page past the last match has no row to carry the count.
        const total = result.rows[0]?.total ?? (await countOf(products, where));
        return { rows: result.rows.map(({ total: _total, ...row }) => row), total };
      }
      const order = filter.sortBy ? orderBy[filter.sortBy] : orderBy.newest;
      // Only the rating order has an index led by the category; the others are left to the planner.
      const slugs = filter.sortBy === 'rating' ? filter.categorySlugs : undefined;
      const [rows, total] = await Promise.all([
        slugs
          ? // A category with its descendants: each category's first rows in the order, from an index led by
            // the category (products_category_rating_idx for the rating), then the page of their union. It
            // reads at most (categories × (offset + limit)) rows however the order's top is spread over them.
            sql<ListedRow>`SELECT ${columns} FROM (
              SELECT p.* FROM unnest(${slugs}::text[]) AS c(slug) CROSS JOIN LATERAL (
                SELECT ${listedColumns} FROM ${products} p WHERE ${where} AND p.category_slug = c.slug
                ORDER BY ${order} LIMIT ${filter.page * filter.limit}) p
              ORDER BY ${order} ${page}) p ${stock}
            ORDER BY ${order}`.execute(db)
          : sql<ListedRow>`SELECT ${columns} FROM ${products} p ${stock}
          WHERE ${where} ORDER BY ${order} ${page}`.execute(db),
        countOf(products, where),
      ]);
      return { rows: rows.rows, total };
    },

    /**
     * Full-text search ranked by ts_rank, with facets over the matches (not just the page), in one statement
     * and one index scan: the first MATCH_CAP matches are ranked and counted (docs/search.md).
     */
    async search(
      schemas: Schemas,
      q: string,
      page: number,
      limit: number,
      skuMatches: readonly string[] = [],
    ): Promise<{
      rows: SearchRow[];
      total: number;
      /** `categories` by category slug (the route folds them into the tree's top level). */
      facets: Record<FacetName, Facet[]>;
    }> {
      const products = table(schemas.catalog, 'products');
      const counts = (facet: FacetName, value: RawBuilder<unknown>, from: RawBuilder<unknown>) =>
        sql`(SELECT coalesce(json_agg(json_build_object('value', value, 'count', count)), '[]')
             FROM (SELECT ${value} AS value, count(*)::int AS count FROM ${from} GROUP BY 1) f
             WHERE value IS NOT NULL) AS ${sql.ref(facet)}`;
      const result = await sql<{ total: number; rows: SearchRow[] } & Record<FacetName, Facet[]>>`
        WITH m AS MATERIALIZED (
          SELECT p.product_id, p.category_slug, p.brand, p.price, p.rating, ts_rank(p.search, q)::float8 AS rank
          FROM ${products} p, ${query(q)} q
          WHERE NOT p.discontinued AND (p.search @@ q OR p.product_id = ANY(${[...skuMatches]}::text[]))
          LIMIT ${MATCH_CAP}
        ), hits AS (
          SELECT product_id, rank FROM m ORDER BY rank DESC, product_id ASC
          LIMIT ${limit} OFFSET ${(page - 1) * limit}
        )
        SELECT (SELECT count(*)::int FROM m) AS total,
          (SELECT coalesce(json_agg(json_build_object('product_id', p.product_id, 'name', p.name,
              'price', p.price::text, 'currency', p.currency, 'image', p.images->>0, 'rating', p.rating::text,
              'rank', h.rank) ORDER BY h.rank DESC, h.product_id ASC), '[]')
           FROM hits h JOIN ${products} p ON p.product_id = h.product_id) AS rows,
          ${counts('categories', sql`category_slug`, sql`m`)},
          ${counts('brands', sql`brand`, sql`m`)},
          ${counts('price_ranges', bucketCase, sql`m`)},
          ${ratingsFacet}`.execute(db);
      const found = result.rows[0]!;
      const byCount = (a: Facet, b: Facet) => b.count - a.count || (a.value < b.value ? -1 : 1);
      const rangeOrder = PRICE_RANGES.map(([label]) => label);
      return {
        rows: found.rows,
        total: found.total,
        facets: {
          categories: found.categories.sort(byCount),
          brands: found.brands.sort(byCount),
          price_ranges: found.price_ranges.sort(
            (a, b) => rangeOrder.indexOf(a.value) - rangeOrder.indexOf(b.value),
          ),
          ratings: found.ratings.sort((a, b) => (a.value < b.value ? 1 : -1)),
        },
      };
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
