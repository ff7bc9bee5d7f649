import { type Router as ExpressRouter, type RequestHandler, Router } from 'express';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { notFound } from '../../domain/shared/errors.ts';
import { isId } from '../../domain/shared/ids.ts';
import { toMajorUnits } from '../../domain/shared/money.ts';
import { requireRole } from '../../infra/http/auth.ts';
import { parseInput } from '../../infra/http/validation.ts';
import { loadCategoryTree } from '../category-tree.ts';
import { consistency, servingSchema } from '../consistency.ts';
import { listedProduct } from '../presenters.ts';
import { pagination } from '../query-params.ts';
import { createRecommendationQueries, VIEWS_KEY } from '../recommendation-queries.ts';
import type { RouteContext } from '../route-context.ts';

/** GET /recommendations query (also documented in docs/openapi). */
export const recommendationsQuery = z.object({
  type: z.enum(['popular', 'personalized']).default('popular'),
  limit: pagination.limit.default(10),
});
/** GET /products/{id}/frequently-bought-together query. */
export const boughtTogetherQuery = z.object({ limit: pagination.limit.default(5) });

/**
 * Counts a product view after GET /products/{id} answered 200: one ZINCRBY, after the response, errors
 * ignored, so the request is never slowed or failed by it. Mounted before the catalog routes.
 */
export function countProductViews(redis: Redis): RequestHandler {
  return (req, res, next) => {
    const id = String(req.params.product_id);
    // The same path pattern matches /products/search: only product ids count.
    if (!isId('product', id)) return next();
    res.on('finish', () => {
      if (res.statusCode === 200) redis.zincrby(VIEWS_KEY, 1, id).catch(() => {});
    });
    next();
  };
}

/** GET /recommendations (customers) and GET /products/{id}/frequently-bought-together (anyone). */
export const recommendationRoutes = (context: RouteContext): ExpressRouter => {
  const queries = createRecommendationQueries({ db: context.db, redis: context.redis });
  const router = Router();
  const schemas = () => ({
    recommendations: servingSchema(context.watcher, 'recommendations'),
    catalog: servingSchema(context.watcher, 'catalog'),
    inventory: servingSchema(context.watcher, 'inventory'),
  });

  router.get(
    '/recommendations',
    context.authenticate,
    requireRole('customer'),
    consistency(context.watcher, ['recommendations', 'catalog', 'inventory'], context.consistencyWaitMs),
    async (req, res) => {
      const q = parseInput(recommendationsQuery, req.query, 'query');
      const current = schemas();
      const tree = await loadCategoryTree(context.db, current.catalog);
      const found =
        q.type === 'popular'
          ? await queries.popular(current, q.limit)
          : await queries.personalized(current, req.auth!.userId, q.limit);
      res.json({
        recommendations: found.map((s) => ({
          product: listedProduct(s.row, tree),
          score: s.score,
          reason: s.reason,
        })),
        type: q.type,
        generated_at: new Date().toISOString(),
      });
    },
  );

  router.get(
    '/products/:product_id/frequently-bought-together',
    consistency(context.watcher, ['recommendations', 'catalog'], context.consistencyWaitMs),
    async (req, res) => {
      const id = String(req.params.product_id);
      if (!isId('product', id)) throw notFound('Product', id);
      const q = parseInput(boughtTogetherQuery, req.query, 'query');
      const found = await queries.boughtTogether(schemas(), id, q.limit);
      if (!found) throw notFound('Product', id);
      res.json({
        products: found.map((p) => ({
          product_id: p.product_id,
          name: p.name,
          price: toMajorUnits(Number(p.price)),
          currency: p.currency,
          confidence: p.confidence,
        })),
      });
    },
  );

  return router;
};
