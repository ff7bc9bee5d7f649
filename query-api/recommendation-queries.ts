import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { ReadModelDb } from '../application/projection-runner/types.ts';
import type { ListedRow } from './catalog-queries.ts';

/** The serving schemas a recommendation reads: its own counters, and the catalog and stock to show products. */
export type RecommendationSchemas = { recommendations: string; catalog: string; inventory: string };

/** Views are counted by the query API (GET /products/{id}) in this sorted set; they are not events. */
export const VIEWS_KEY = 'rec:views';

type Stats = { product_id: string; cart_adds: number; purchases: number; category: string | null };
export type Scored = { row: ListedRow; score: number; reason: string };

/** The popular score (seed 002): views × 0.3 + purchases × 0.5 + rating × 0.2, each term normalised. */
export const POPULAR_WEIGHTS = { views: 0.3, purchases: 0.5, rating: 0.2 } as const;

const table = (schema: string, name: string) => sql.table(`${schema}.${name}`);

export function createRecommendationQueries(deps: { db: ReadModelDb; redis: Redis }) {
  const { db, redis } = deps;

  async function views(ids: readonly string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const scores = await redis.zmscore(VIEWS_KEY, ...ids);
    return new Map(ids.map((id, i) => [id, Number(scores[i] ?? 0)]));
  }

  /** Listed (not discontinued) products with stock, by id. */
  async function products(schemas: RecommendationSchemas, ids: readonly string[]) {
    if (ids.length === 0) return new Map<string, ListedRow>();
    const result = await sql<ListedRow>`SELECT p.product_id, p.name, p.description, p.price, p.currency,
        p.category, p.category_slug, p.brand, p.images, p.rating, p.reviews_count,
        coalesce(s.available, 0) AS available
      FROM ${table(schemas.catalog, 'products')} p
      LEFT JOIN ${table(schemas.inventory, 'stock')} s ON s.product_id = p.product_id
      WHERE p.product_id = ANY(${[...ids]}::text[]) AND NOT p.discontinued`.execute(db);
    return new Map(result.rows.map((row) => [row.product_id, row]));
  }

  async function stats(schemas: RecommendationSchemas, ids: readonly string[]) {
    if (ids.length === 0) return new Map<string, Stats>();
    const result = await sql<Stats>`SELECT product_id, cart_adds, purchases, category
      FROM ${table(schemas.recommendations, 'product_stats')} WHERE product_id = ANY(${[...ids]}::text[])`.execute(
      db,
    );
    return new Map(result.rows.map((row) => [row.product_id, row]));
  }

  /** Weighted score of candidates (cart adds and purchases from PostgreSQL, views from Redis), best first. */
  async function rank(
    schemas: RecommendationSchemas,
    ids: readonly string[],
    limit: number,
    reason: (s: { views: number; cart_adds: number; purchases: number; category: string }) => string,
  ): Promise<Scored[]> {
    const unique = [...new Set(ids)];
    const [viewCounts, counts, rows] = await Promise.all([
      views(unique),
      stats(schemas, unique),
      products(schemas, unique),
    ]);
    const all = unique.flatMap((id) => {
      const row = rows.get(id);
      if (!row) return [];
      const c = counts.get(id);
      const s = {
        views: viewCounts.get(id) ?? 0,
        cart_adds: c?.cart_adds ?? 0,
        purchases: c?.purchases ?? 0,
        category: row.category,
      };
      return [{ row, s }];
    });
    // Seed 002's score, each term normalised to 0..1: views and purchases by the largest among these
    // candidates (the best of them scores 1 on that term), the rating by the 5-star maximum.
    const maxViews = Math.max(1, ...all.map(({ s }) => s.views));
    const maxPurchases = Math.max(1, ...all.map(({ s }) => s.purchases));
    const scored = all.map(({ row, s }) => {
      const score =
        POPULAR_WEIGHTS.views * (s.views / maxViews) +
        POPULAR_WEIGHTS.purchases * (s.purchases / maxPurchases) +
        POPULAR_WEIGHTS.rating * (Number(row.rating) / 5);
      return { row, score: Math.round(score * 10_000) / 10_000, reason: reason(s), cartAdds: s.cart_adds };
    });
    // Cart adds (not in the score) break ties before the id does.
    return scored
      .sort(
        (a, b) =>
          b.score - a.score || b.cartAdds - a.cartAdds || (a.row.product_id < b.row.product_id ? -1 : 1),
      )
      .slice(0, limit)
      .map(({ cartAdds: _, ...rest }) => rest);
  }

  const popularReason = (s: { views: number; cart_adds: number; purchases: number }) =>
    `popular: ${s.purchases} purchases, ${s.cart_adds} cart adds, ${s.views} views`;

  return {
    /** The most popular products overall. Candidates: the top by counters, by views and by rating, merged. */
    async popular(schemas: RecommendationSchemas, limit: number): Promise<Scored[]> {
      const pool = limit * 3 + 10;
      const [top, viewed, rated] = await Promise.all([
        sql<{ product_id: string }>`SELECT product_id FROM ${table(schemas.recommendations, 'product_stats')}
          WHERE score > 0 ORDER BY score DESC, product_id LIMIT ${pool}`.execute(db),
        redis.zrevrange(VIEWS_KEY, 0, pool - 1),
        sql<{ product_id: string }>`SELECT product_id FROM ${table(schemas.catalog, 'products')}
          WHERE NOT discontinued AND reviews_count > 0 ORDER BY rating DESC, product_id LIMIT ${pool}`.execute(
          db,
        ),
      ]);
      const ids = [...top.rows, ...rated.rows].map((r) => r.product_id);
      return rank(schemas, [...ids, ...viewed], limit, popularReason);
    },

    /**
     * Popular products in the categories the user bought from (most bought first), leaving out what they
     * already bought. No purchases yet: popular overall, saying so.
     */
    async personalized(schemas: RecommendationSchemas, userId: string, limit: number): Promise<Scored[]> {
      const rec = schemas.recommendations;
      const categories = await sql<{ category: string }>`SELECT category FROM ${table(rec, 'user_categories')}
        WHERE user_id = ${userId} ORDER BY purchases DESC, category LIMIT 5`.execute(db);
      const names = categories.rows.map((r) => r.category);
      if (names.length === 0) {
        const overall = await this.popular(schemas, limit);
        return overall.map((s) => ({ ...s, reason: `${s.reason} (no purchases of yours yet)` }));
      }
      const candidates = await sql<{ product_id: string }>`SELECT p.product_id
        FROM ${table(schemas.catalog, 'products')} p
        LEFT JOIN ${table(rec, 'product_stats')} s ON s.product_id = p.product_id
        WHERE p.category = ANY(${names}::text[]) AND NOT p.discontinued
          AND NOT EXISTS (SELECT 1 FROM ${table(rec, 'user_products')} u
                          WHERE u.user_id = ${userId} AND u.product_id = p.product_id)
        ORDER BY coalesce(s.score, 0) DESC, p.product_id LIMIT ${limit * 3 + 10}`.execute(db);
      return rank(
        schemas,
        candidates.rows.map((r) => r.product_id),
        limit,
        (s) => `popular in ${s.category}, a category you bought from (${popularReason(s)})`,
      );
    },

    /** Products bought in the same confirmed orders; confidence = P(other in order | this product in order). */
    async boughtTogether(schemas: RecommendationSchemas, productId: string, limit: number) {
      const rec = schemas.recommendations;
      const exists = await sql`SELECT 1 FROM ${table(schemas.catalog, 'products')}
        WHERE product_id = ${productId}`.execute(db);
      if (exists.rows.length === 0) return undefined;
      const result = await sql<{
        product_id: string;
        name: string;
        price: string;
        currency: string;
        orders: number;
        base: number;
      }>`
        SELECT pr.other_id AS product_id, p.name, p.price, p.currency, pr.orders, s.purchases AS base
        FROM ${table(rec, 'product_pairs')} pr
        JOIN ${table(rec, 'product_stats')} s ON s.product_id = pr.product_id
        JOIN ${table(schemas.catalog, 'products')} p ON p.product_id = pr.other_id
        WHERE pr.product_id = ${productId} AND pr.orders > 0 AND NOT p.discontinued
        ORDER BY pr.orders DESC, pr.other_id LIMIT ${limit}`.execute(db);
      return result.rows.map((row) => ({
        ...row,
        confidence: row.base > 0 ? Math.round((row.orders / row.base) * 10_000) / 10_000 : 0,
      }));
    },
  };
}

export type RecommendationQueries = ReturnType<typeof createRecommendationQueries>;
