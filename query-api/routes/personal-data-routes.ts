import { type RequestHandler, Router } from 'express';
import type { EventStore } from '../../infra/eventstore/port.ts';
import { requireRole } from '../../infra/http/auth.ts';
import type { ReadModelDb } from '../../projections/runner/types.ts';
import { schemaName } from '../../projections/runner/types.ts';
import type { CheckpointWatcher } from '../checkpoint-watcher.ts';
import { consistency, servingSchema } from '../consistency.ts';
import { exportPersonalData } from '../personal-data-export.ts';

/** GET /users/me/data (API.md "Personal data"): everything held about the caller, decrypted, as JSON. */
export function personalDataRoutes(deps: {
  store: EventStore;
  db: ReadModelDb;
  watcher: CheckpointWatcher;
  authenticate: RequestHandler;
  clock: () => Date;
  consistencyWaitMs: number;
}): Router {
  const router = Router();
  const readsOrders = consistency(deps.watcher, ['orders'], deps.consistencyWaitMs);
  router.get(
    '/users/me/data',
    deps.authenticate,
    requireRole('customer', 'admin'),
    readsOrders,
    async (req, res) => {
      const ordersSchema = servingSchema(deps.watcher, 'orders');
      // Reviews are found through the catalog read model when it serves; their streams are the truth.
      const catalog = deps.watcher.state('catalog');
      const catalogSchema = catalog ? schemaName('catalog', catalog.generation) : undefined;
      const body = await exportPersonalData(
        { store: deps.store, db: deps.db, ordersSchema, catalogSchema },
        req.auth!.userId,
        deps.clock(),
      );
      res.set('Cache-Control', 'no-store').json(body);
    },
  );
  return router;
}
