import { sql } from 'kysely';
import { z } from 'zod';
import { averageRating } from '../../domain/reviews/rating.ts';
import { notFound } from '../../domain/shared/errors.ts';
import { idOr404 } from '../../infra/http/path-ids.ts';
import { reviewsResponseSchema } from '../catalog-responses.ts';
import { servingSchema } from '../consistency.ts';
import { paginationOf } from '../presenters.ts';
import { pagination } from '../query-params.ts';
import type { RouteContext } from '../route-context.ts';
import { type AnyQueryRoute, route } from '../routing.ts';
import { productParams } from './catalog-routes.ts';

export const reviewsQuery = z.object({
  ...pagination,
  sort: z.enum(['newest', 'rating_desc', 'rating_asc']).default('newest'),
});

const orderBy = {
  newest: sql`created_at DESC, review_id`,
  rating_desc: sql`rating DESC, created_at DESC, review_id`,
  rating_asc: sql`rating ASC, created_at DESC, review_id`,
};

type ReviewRow = {
  review_id: string;
  product_id: string;
  /** "Ada L."; "[erased]" once the author is erased; null for reviews from before names were kept. */
  author_name: string | null;
  rating: number;
  title: string;
  body: string;
  status: string;
  verified_purchase: boolean;
  created_at: Date;
  updated_at: Date;
};

/** GET /products/{id}/reviews: the published reviews, paged and sorted, with the rating summary. */
export const reviewRoutes = (context: RouteContext): AnyQueryRoute[] => {
  const { db, watcher } = context;
  return [
    route({
      method: 'get',
      path: '/products/:product_id/reviews',
      access: 'public',
      reads: ['catalog'],
      params: productParams,
      query: reviewsQuery,
      response: { status: 200, schema: reviewsResponseSchema },
      summary: "A product's published reviews with its rating summary",
      async handle({ params, query: q }) {
        const id = idOr404('product', params.product_id, 'Product');
        const schema = servingSchema(watcher, 'catalog');
        const table = (name: string) => sql.table(`${schema}.${name}`);
        const [product, rows, summary] = await Promise.all([
          sql`SELECT 1 FROM ${table('products')} WHERE product_id = ${id}`.execute(db),
          sql<ReviewRow>`SELECT review_id, product_id, author_name, rating, title, body, status, verified_purchase,
              created_at, updated_at FROM ${table('reviews')}
            WHERE product_id = ${id} AND status = 'published' ORDER BY ${orderBy[q.sort]}
            LIMIT ${q.limit} OFFSET ${(q.page - 1) * q.limit}`.execute(db),
          sql<{
            rating: number;
            count: number;
          }>`SELECT rating, count(*)::int AS count FROM ${table('reviews')}
            WHERE product_id = ${id} AND status = 'published' GROUP BY rating`.execute(db),
        ]);
        if (product.rows.length === 0) throw notFound('Product', id);
        const distribution: Record<string, number> = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
        let count = 0;
        let sum = 0;
        for (const row of summary.rows) {
          distribution[String(row.rating)] = row.count;
          count += row.count;
          sum += row.rating * row.count;
        }
        return {
          status: 200,
          body: {
            reviews: rows.rows.map((r) => ({
              ...r,
              created_at: r.created_at.toISOString(),
              updated_at: r.updated_at.toISOString(),
            })),
            rating_summary: {
              average: averageRating(sum, count),
              count,
              distribution,
            },
            pagination: paginationOf(q.page, q.limit, count),
          },
        };
      },
    }),
  ];
};
