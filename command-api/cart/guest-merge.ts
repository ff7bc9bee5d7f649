import { sellable } from '../../application/checkout/line-prices.ts';
import type { CommandMetadata } from '../../application/commands/metadata.ts';
import { cartDecider, cartStream } from '../../domain/cart/cart.ts';
import type { CartItemId, UserId } from '../../domain/shared/ids.ts';
import { VersionConflict } from '../../infra/eventstore/errors.ts';
import { guestIdFor } from '../../infra/http/cart-token.ts';
import { loadProduct } from '../catalog/lookups.ts';
import type { CommandApiContext } from '../context.ts';

/**
 * Merges the guest cart of `token` into the customer's cart at login (docs/cart-lifetime.md). Step one
 * closes the guest cart at the revision read: of concurrent logins with one token, one closes it and the
 * others meet a conflict. Step two, run by every login that finds the guest cart closed for this
 * customer, adds its lines to the customer's cart, which merges each guest cart once: so the lines are
 * added exactly once, and a login after a crash between the steps finishes the merge.
 */
export async function mergeGuestCart(
  ctx: CommandApiContext,
  token: string,
  userId: UserId,
  metadata: CommandMetadata,
): Promise<void> {
  const { handler, clock } = ctx;
  const guestStream = cartStream(guestIdFor(token));
  let { state, revision } = await handler.load(cartDecider, guestStream);
  if (revision === undefined) return;
  if (!state.mergedInto) {
    try {
      const closed = await handler.handle({
        decider: cartDecider,
        stream: guestStream,
        command: {
          type: 'CloseGuestCart',
          data: { userId: guestIdFor(token), intoUserId: userId, now: clock().toISOString() },
        },
        metadata,
        expectedRevision: revision,
      });
      state = closed.state;
    } catch (error) {
      if (!(error instanceof VersionConflict)) throw error;
      state = (await handler.load(cartDecider, guestStream)).state;
    }
  }
  // Merged into another customer's cart (the token was theirs first), or nothing to merge.
  if (state.mergedInto !== userId || state.cartId === null) return;
  const lines = await Promise.all(
    (state.mergedItems ?? []).map(async (item) => {
      const found = await loadProduct(handler, item.productId);
      const variant = item.variantId ? { variantId: item.variantId } : null;
      // At its catalog price now (a variant's: base plus its adjustment), as a product line merges.
      const sold = sellable(found?.product, { productId: item.productId, variant, quantity: item.quantity });
      return {
        product: sold ? { ...sold.product, price: sold.product.price + sold.adjustment } : null,
        quantity: item.quantity,
        cartItemId: ctx.ids('cartItem') as CartItemId,
      };
    }),
  );
  await handler.handle({
    decider: cartDecider,
    stream: cartStream(userId),
    command: {
      type: 'MergeGuestLines',
      data: { userId, guestCartId: state.cartId, lines, now: clock().toISOString() },
    },
    metadata,
  });
}
