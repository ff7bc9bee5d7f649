import { cartDecider, cartStream } from '../../domain/cart/cart.ts';
import type { CheckoutLine } from '../../domain/checkout/events.ts';
import { checkReservedLines } from '../../domain/checkout/line-check.ts';
import type { UserId } from '../../domain/shared/ids.ts';
import { lineKey } from '../../domain/shared/line-key.ts';
import type { CommandMetadata } from '../commands/metadata.ts';
import { currentProducts, repriceOrRefuse } from './cart-checkout.ts';
import type { CheckoutDeps } from './checkout-deps.ts';

/**
 * Before an order is placed on a reservation: every line still for sale (409 BIZ_4006 naming the lines)
 * and at the price the customer was shown (the cart's line, else the reservation's). A moved price
 * reprices the cart (CartLineRepriced) and answers 409 BIZ_4005 with old and new prices; the next
 * attempt then goes through at the new price.
 */
/** The lines as checked: each product priced now, and each line's quote (its steps). */
export type CheckedLines = Awaited<ReturnType<typeof checkOrderLines>>;

export async function checkOrderLines(
  deps: Pick<CheckoutDeps, 'handler' | 'clock' | 'rules'>,
  userId: UserId,
  items: readonly CheckoutLine[],
  metadata: CommandMetadata,
) {
  const [{ products, quotes }, { state: cart }] = await Promise.all([
    currentProducts(
      deps,
      items.map((item) => ({
        productId: item.product_id,
        quantity: item.quantity,
        variant: item.variant_id ? { variantId: item.variant_id } : null,
      })),
      userId,
    ),
    deps.handler.load(cartDecider, cartStream(userId)),
  ]);
  const shown = (key: string) => cart.lines.find((line) => lineKey(line) === key)?.unitPrice;
  const changes = checkReservedLines(items, products, shown);
  if (changes.length > 0) await repriceOrRefuse(deps, userId, products, metadata, changes);
  return { products, quotes, coupon: cart.coupon };
}
