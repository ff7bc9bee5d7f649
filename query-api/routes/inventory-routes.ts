import { type RequestHandler, Router } from 'express';
import { notFound } from '../../domain/shared/errors.ts';
import { isId } from '../../domain/shared/ids.ts';
import { requireRole } from '../../infra/http/auth.ts';
import type { CatalogQueries } from '../catalog-queries.ts';
import type { CheckpointWatcher } from '../checkpoint-watcher.ts';
import { consistency, servingSchema } from '../consistency.ts';

/** GET /inventory/{product_id}: admin only. */
export function inventoryRoutes(deps: {
  queries: CatalogQueries;
  watcher: CheckpointWatcher;
  authenticate: RequestHandler;
  consistencyWaitMs: number;
}): Router {
  const router = Router();
  router.get(
    '/inventory/:product_id',
    deps.authenticate,
    requireRole('admin'),
    consistency(deps.watcher, ['inventory', 'catalog'], deps.consistencyWaitMs),
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
      res.json({
        product_id: id,
        on_hand: stock.on_hand,
        reserved: stock.reserved,
        available: stock.available,
      });
    },
  );
  return router;
}
