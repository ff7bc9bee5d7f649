import type { CheckpointWatcher } from '../../application/projection-runner/checkpoint-watcher.ts';
import { schemaName } from '../../application/projection-runner/types.ts';
import { ErrorCode } from '../../domain/shared/errors.ts';
import type { CartOwnerId, UserId } from '../../domain/shared/ids.ts';
import { parseRate, type Rate } from '../../domain/shared/money.ts';
import { cartBodySchema } from '../../infra/http/cart-schema.ts';
import { invalidCartToken } from '../../infra/http/cart-token.ts';
import { HttpError } from '../../infra/http/http-error.ts';
import { cartReadModels, createCartPricing } from '../cart-pricing.ts';
import { createCartDocs, createCartQueries } from '../cart-queries.ts';
import type { RouteContext } from '../route-context.ts';
import { type AnyQueryRoute, guestOf, route } from '../routing.ts';

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
export const cartRoutes = (context: RouteContext): AnyQueryRoute[] => {
  // Made on the first request: declaring the routes (the OpenAPI generator does) must not touch the watcher.
  let caches: { priceCart: ReturnType<typeof createCartPricing>; docs: ReturnType<typeof createCartDocs> };
  const cartCaches = () => {
    caches ??= {
      priceCart: createCartPricing(context.pricingFacts),
      docs: createCartDocs(context.redis, context.watcher),
    };
    return caches;
  };
  const schemaOf = (name: string) => {
    const state = context.watcher.state(name);
    return state ? { [`${name}Schema`]: schemaName(name, state.generation) } : {};
  };
  return [
    route({
      method: 'get',
      path: '/cart',
      access: 'customer-or-guest',
      reads: cartReadModels,
      response: { status: 200, schema: cartBodySchema },
      summary: "The caller's cart with stock and totals (a customer's, or a guest's by X-Cart-Token)",
      async handle({ req, res }) {
        const generation = servingGeneration(context.watcher);
        const guestId = guestOf(res) as CartOwnerId | undefined;
        const userId = (guestId ?? req.auth!.userId) as UserId;
        const queries = createCartQueries({
          docs: cartCaches().docs,
          taxRate: context.taxRate,
          // Each line priced now from the catalog and pricing read models (their projections carry a price
          // change, a new or disabled rule, a tier change); a window's start or end needs no event at all.
          // A guest's owner id names no customer, so a guest has no tier.
          price: (doc) =>
            cartCaches().priceCart(doc.lines, doc.coupon ?? null, {
              userId,
              now: context.clock(),
              ...schemaOf('catalog'),
              ...schemaOf('pricing'),
              ...schemaOf('variants'),
            }),
        });
        if (guestId && (await queries.mergedAway(generation, guestId))) throw invalidCartToken();
        return { status: 200, body: await queries.cart(generation, userId) };
      },
    }),
  ];
};
