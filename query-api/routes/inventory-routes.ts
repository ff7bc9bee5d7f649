import { type RequestHandler, Router } from 'express';
import { notFound } from '../../domain/shared/errors.ts';
import { isId } from '../../domain/shared/ids.ts';
import { requireRole } from '../../infra/http/auth.ts';
import type { CatalogQueries } from '../catalog-queries.ts';
import type { CheckpointWatcher } from '../checkpoint-watcher.ts';
import { consistency, servingSchema } from '../consistency.ts';
import type { VariantQueries } from '../variant-queries.ts';

/** GET /inventory/{product_id}: admin only. */
export function inventoryRoutes(deps: {
  queries: CatalogQueries;
  variantQueries: VariantQueries;
  watcher: CheckpointWatcher;
  authenticate: RequestHandler;
  consistencyWaitMs: number;
}): Router {
  const router = Router();
  router.get(
    '/inventory/:product_id',
    deps.authenticate,
    requireRole('admin'),
    consistency(deps.watcher, ['inventory', 'catalog', 'variants'], deps.consistencyWaitMs),
    async (req, res) => {
      const id = String(req.params.product_id);
      if (!isId('product', id)) throw notFound('Product', id);
      const stock = await deps.queries.stock(
        {
          catalog: servingSchema(deps.watcher, 'catalog'),
          inventory: servingSchema(deps.watcher, 'inventory'),
        },
        id,
      );
      if (!stock) throw notFound('Product', id);
      const variants = await deps.variantQueries.of(servingSchema(deps.watcher, 'variants'), [id]);
      // The product's own levels (zeros once it has variants: their stock is theirs), then each variant's;
      // a product without variants answers exactly as before.
      res.json({
        product_id: id,
        on_hand: stock.on_hand,
        reserved: stock.reserved,
        available: stock.available,
        ...(variants.length === 0
          ? {}
          : {
              variants: variants.map((v) => ({
                variant_id: v.variant_id,
                sku: v.sku,
                status: v.status,
                on_hand: v.on_hand,
                reserved: v.reserved,
                available: v.available,
              })),
            }),
      });
    },
  );
  return router;
}
