import { z } from 'zod';
import { notFound } from '../../domain/shared/errors.ts';
import { isId } from '../../domain/shared/ids.ts';
import { toMajorUnits } from '../../domain/shared/money.ts';
import { boughtTogetherResponseSchema, recommendationsResponseSchema } from '../catalog-responses.ts';
import { loadCategoryTree } from '../category-tree.ts';
import { servingSchema } from '../consistency.ts';
import { listedProduct } from '../presenters.ts';
import { pagination } from '../query-params.ts';
import { createRecommendationQueries } from '../recommendation-queries.ts';
import type { RouteContext } from '../route-context.ts';
import { type AnyQueryRoute, route } from '../routing.ts';
import { byProduct } from '../variant-presenters.ts';
import { productParams } from './catalog-routes.ts';

/** GET /recommendations query. */
export const recommendationsQuery = z.object({
  type: z.enum(['popular', 'personalized']).default('popular'),
  limit: pagination.limit.default(10),
});
/** GET /products/{id}/frequently-bought-together query. */
export const boughtTogetherQuery = z.object({ limit: pagination.limit.default(5) });

/** GET /recommendations (customers) and GET /products/{id}/frequently-bought-together (anyone). */
export const recommendationRoutes = (context: RouteContext): AnyQueryRoute[] => {
  const queries = createRecommendationQueries({ db: context.db, redis: context.redis });
  const schemas = () => ({
    recommendations: servingSchema(context.watcher, 'recommendations'),
    catalog: servingSchema(context.watcher, 'catalog'),
    inventory: servingSchema(context.watcher, 'inventory'),
    variants: servingSchema(context.watcher, 'variants'),
  });

  return [
    route({
      method: 'get',
      path: '/recommendations',
      access: ['customer'],
      reads: ['recommendations', 'catalog', 'inventory', 'variants'],
      query: recommendationsQuery,
      response: { status: 200, schema: recommendationsResponseSchema },
      summary: 'Popular or personalised product recommendations',
      async handle({ query: q, req }) {
        const current = schemas();
        const tree = await loadCategoryTree(context.db, current.catalog);
        const found =
          q.type === 'popular'
            ? await queries.popular(current, q.limit)
            : await queries.personalized(current, req.auth!.userId, q.limit);
        // A product with variants is listed as GET /products lists it: their stock, and its price range.
        const variants = byProduct(
          await context.variants.of(
            current.variants,
            found.map((s) => s.row.product_id),
          ),
        );
        return {
          status: 200,
          body: {
            recommendations: found.map((s) => ({
              product: listedProduct(s.row, tree, variants.get(s.row.product_id)),
              score: s.score,
              reason: s.reason,
            })),
            type: q.type,
            generated_at: new Date().toISOString(),
          },
        };
      },
    }),
    route({
      method: 'get',
      path: '/products/:product_id/frequently-bought-together',
      access: 'public',
      reads: ['recommendations', 'catalog'],
      params: productParams,
      query: boughtTogetherQuery,
      response: { status: 200, schema: boughtTogetherResponseSchema },
      summary: 'Products bought together with this one in confirmed orders',
      async handle({ params, query: q }) {
        const id = params.product_id;
        if (!isId('product', id)) throw notFound('Product', id);
        const found = await queries.boughtTogether(schemas(), id, q.limit);
        if (!found) throw notFound('Product', id);
        return {
          status: 200,
          body: {
            products: found.map((p) => ({
              product_id: p.product_id,
              name: p.name,
              price: toMajorUnits(Number(p.price)),
              currency: p.currency,
              confidence: p.confidence,
            })),
          },
        };
      },
    }),
  ];
};
