import type { Request } from 'express';
import { cartDecider, cartStream } from '../../domain/cart/cart.ts';
import type { CartOwnerId, UserId } from '../../domain/shared/ids.ts';
import {
  CART_TOKEN_HEADER,
  cartTokenFrom,
  guestIdFor,
  invalidCartToken,
  newCartToken,
} from '../../infra/http/cart-token.ts';
import type { CommandApiContext } from '../context.ts';

/** Whose cart a cart route acts on; `issuedToken` is a new guest token to hand back in X-Cart-Token. */
export type CartOwner = { ownerId: CartOwnerId; issuedToken?: string };

/**
 * A signed-in customer acts on their own cart (a cart token sent along is ignored). A guest without a
 * token gets a new one, and with it a new cart; a guest's token must be one this API issued (its cart
 * exists) and not merged into a customer's cart: otherwise 401 AUTH_1003, before anything is decided.
 */
export async function resolveCartOwner(ctx: CommandApiContext, req: Request): Promise<CartOwner> {
  if (req.auth) return { ownerId: req.auth.userId as UserId };
  const token = cartTokenFrom(req.get(CART_TOKEN_HEADER));
  if (token === undefined) {
    const issuedToken = newCartToken();
    return { ownerId: guestIdFor(issuedToken), issuedToken };
  }
  const ownerId = guestIdFor(token);
  const { state, revision } = await ctx.handler.load(cartDecider, cartStream(ownerId));
  if (revision === undefined || state.mergedInto) throw invalidCartToken();
  return { ownerId };
}
