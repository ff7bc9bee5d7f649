import { type Router as ExpressRouter, Router } from 'express';
import { ErrorCode } from '../../domain/shared/errors.ts';
import type { UserId } from '../../domain/shared/ids.ts';
import { parseRate, type Rate } from '../../domain/shared/money.ts';
import { requireRole } from '../../infra/http/auth.ts';
import { HttpError } from '../../infra/http/http-error.ts';
import { schemaName } from '../../projections/runner/types.ts';
import type { RouteContext } from '../app.ts';
import { createCartPricing } from '../cart-pricing.ts';
import { createCartQueries } from '../cart-queries.ts';
import type { CheckpointWatcher } from '../checkpoint-watcher.ts';
import { consistency } from '../consistency.ts';

/** TAX_RATE's default (infra/config.ts); the query API's start-up passes the configured one. */
export const DEFAULT_TAX_RATE: Rate = parseRate('0.08');

/** The Redis generation serving the cart read model; 503 until its first generation exists. */
function servingGeneration(watcher: CheckpointWatcher): number {
  const state = watcher.state('cart');
  if (!state)
    throw new HttpError(ErrorCode.DependencyUnavailable, 'Read model cart is not available yet', {
      headers: { 'Retry-After': '1' },
    });
  return state.generation;
}

/** GET /cart: the caller's own cart (customers), each line with `in_stock`. */
export const cartRoutes =
  (options: { taxRate?: Rate; clock?: () => Date } = {}) =>
  (context: RouteContext): ExpressRouter => {
    const clock = options.clock ?? (() => new Date());
    const priceCart = createCartPricing(context.db);
    const schemaOf = (name: string) => {
      const state = context.watcher.state(name);
      return state ? { [`${name}Schema`]: schemaName(name, state.generation) } : {};
    };
    const router = Router();
    router.get(
      '/cart',
      context.authenticate,
      requireRole('customer'),
      consistency(context.watcher, ['cart'], context.consistencyWaitMs),
      async (req, res) => {
        const generation = servingGeneration(context.watcher);
        const userId = req.auth!.userId as UserId;
        const queries = createCartQueries({
          redis: context.redis,
          taxRate: options.taxRate ?? DEFAULT_TAX_RATE,
          // Each line priced now from the catalog and pricing read models (their projections carry a price
          // change, a new or disabled rule, a tier change); a window's start or end needs no event at all.
          price: (doc) =>
            priceCart(doc.lines, doc.coupon ?? null, {
              userId,
              now: clock(),
              ...schemaOf('catalog'),
              ...schemaOf('pricing'),
            }),
        });
        res.json(await queries.cart(generation, userId));
      },
    );
    return router;
  };
