import { type Router as ExpressRouter, type RequestHandler, Router } from 'express';
import { ErrorCode } from '../../domain/shared/errors.ts';
import type { CartOwnerId, UserId } from '../../domain/shared/ids.ts';
import { parseRate, type Rate } from '../../domain/shared/money.ts';
import { requireRole } from '../../infra/http/auth.ts';
import {
  CART_TOKEN_HEADER,
  cartTokenFrom,
  guestIdFor,
  invalidCartToken,
} from '../../infra/http/cart-token.ts';
import { HttpError } from '../../infra/http/http-error.ts';
import { schemaName } from '../../projections/runner/types.ts';
import { cartReadModels, createCartPricing } from '../cart-pricing.ts';
import { createCartDocs, createCartQueries } from '../cart-queries.ts';
import type { CheckpointWatcher } from '../checkpoint-watcher.ts';
import { consistency } from '../consistency.ts';
import type { RouteContext } from '../route-context.ts';

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

/**
 * GET /cart: the caller's own cart, each line with `in_stock`: a customer's (Authorization), else a
 * guest's (X-Cart-Token; neither is 401 AUTH_1003). A guest cart merged at login is 401 AUTH_1003; one
 * the read model does not know (yet: it may lag the command that made it) reads as an empty cart.
 */
export const cartRoutes =
  (options: { taxRate?: Rate; clock?: () => Date } = {}) =>
  (context: RouteContext): ExpressRouter => {
    const clock = options.clock ?? (() => new Date());
    const priceCart = createCartPricing(context.db, context.watcher);
    const docs = createCartDocs(context.redis, context.watcher);
    const schemaOf = (name: string) => {
      const state = context.watcher.state(name);
      return state ? { [`${name}Schema`]: schemaName(name, state.generation) } : {};
    };
    const router = Router();
    const asCustomer = requireRole('customer');
    const customerOrGuest: RequestHandler = async (req, res, next) => {
      const token =
        req.get('authorization') === undefined ? cartTokenFrom(req.get(CART_TOKEN_HEADER)) : undefined;
      if (token === undefined) {
        await context.authenticate(req, res, () => asCustomer(req, res, next));
        return;
      }
      res.locals.guestId = guestIdFor(token);
      next();
    };
    router.get(
      '/cart',
      customerOrGuest,
      consistency(context.watcher, cartReadModels, context.consistencyWaitMs),
      async (req, res) => {
        const generation = servingGeneration(context.watcher);
        const guestId = res.locals.guestId as CartOwnerId | undefined;
        const userId = (guestId ?? req.auth!.userId) as UserId;
        const queries = createCartQueries({
          docs,
          taxRate: options.taxRate ?? DEFAULT_TAX_RATE,
          // Each line priced now from the catalog and pricing read models (their projections carry a price
          // change, a new or disabled rule, a tier change); a window's start or end needs no event at all.
          // A guest's owner id names no customer, so a guest has no tier.
          price: (doc) =>
            priceCart(doc.lines, doc.coupon ?? null, {
              userId,
              now: clock(),
              ...schemaOf('catalog'),
              ...schemaOf('pricing'),
              ...schemaOf('variants'),
            }),
        });
        if (guestId && (await queries.mergedAway(generation, guestId))) throw invalidCartToken();
        res.json(await queries.cart(generation, userId));
      },
    );
    return router;
  };
