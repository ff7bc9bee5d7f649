import { engineProducts } from '../../application/checkout/line-prices.ts';
import type { CommandMetadata } from '../../application/commands/metadata.ts';
import { type CartState, cartDecider, cartStream, lineKey } from '../../domain/cart/cart.ts';
import { MAX_MERGED_LINE_QUANTITY } from '../../domain/cart/cart-lifetime.ts';
import { activeCheckout } from '../../domain/cart/checkout-rules.ts';
import type { MergeGuestLines } from '../../domain/cart/commands.ts';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import type { CartItemId, UserId } from '../../domain/shared/ids.ts';
import { VersionConflict } from '../../infra/eventstore/errors.ts';
import { guestIdFor } from '../../infra/http/cart-token.ts';
import { listPricesOnly, readOnce } from '../../infra/pricing/pricing-source.ts';
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
  // The customer's cart is being checked out: its lines are locked (BIZ_4010), so the guest cart is left
  // as it is, still the token's, and merges at a login after that checkout.
  const { state: customerCart } = await handler.load(cartDecider, cartStream(userId));
  if (!state.mergedInto && activeCheckout(customerCart, clock().toISOString())) return;
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
  const guestCartId = state.cartId;
  const items = state.mergedItems ?? [];
  const products = await Promise.all(items.map((item) => loadProduct(handler, item.productId)));
  const states = new Map(
    items.flatMap((item, i) => (products[i] ? [[item.productId, products[i].product]] : [])),
  );
  const cartItemIds = items.map(() => ctx.ids('cartItem') as CartItemId);
  const source = readOnce(ctx.pricingRules ?? listPricesOnly);
  const now = clock();
  /**
   * The guest lines as a product line merges: each priced by the engine, now, for the customer's tier and
   * the quantity its line reaches in `cart` (what it holds under the same key plus the guest's, capped).
   */
  const merged = async (cart: CartState | undefined): Promise<MergeGuestLines> => {
    const held = new Map(cart?.lines.map((line) => [lineKey(line), line.quantity]) ?? []);
    const lines = items.map((item) => {
      const line = {
        productId: item.productId,
        variant: item.variantId ? { variantId: item.variantId } : null,
      };
      const reached = Math.min(MAX_MERGED_LINE_QUANTITY, (held.get(lineKey(line)) ?? 0) + item.quantity);
      return { ...line, quantity: reached };
    });
    const priced = await engineProducts(source, { states, lines, userId, now });
    return {
      type: 'MergeGuestLines',
      data: {
        userId,
        guestCartId,
        lines: items.map((item, i) => ({
          product: priced.products[lineKey(lines[i]!)] ?? null,
          quantity: item.quantity,
          cartItemId: cartItemIds[i]!,
        })),
        now: now.toISOString(),
      },
    };
  };
  try {
    await handler.handle({
      decider: cartDecider,
      stream: cartStream(userId),
      command: await merged(undefined),
      metadata,
      // Priced on the customer's cart the merge is decided on: a line it joins may reach a quantity break.
      refine: (_command, cart) => merged(cart),
    });
  } catch (error) {
    // A checkout began since the look above: the guest cart is closed into this customer, and a later
    // login with the token adds its lines (as after a crash between the two steps).
    if (!(error instanceof DomainError && error.code === ErrorCode.CheckoutInProgress)) throw error;
  }
}
