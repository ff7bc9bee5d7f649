import { checkoutDecider, checkoutStream } from '../../domain/checkout/checkout.ts';
import type { CheckoutLine } from '../../domain/checkout/events.ts';
import type { OrderItemInput } from '../../domain/ordering/commands.ts';
import type { PriceQuote } from '../../domain/pricing/price-calculation.ts';
import { normaliseCouponCode } from '../../domain/pricing/validation.ts';
import type { OrderId, ReservationId, UserId } from '../../domain/shared/ids.ts';
import { itemKey } from '../../domain/shared/line-key.ts';
import type { CommandMetadata } from '../commands/metadata.ts';
import type { CheckoutDeps } from './checkout-deps.ts';
import { redeemCoupon, releaseCoupon } from './coupon-redemption.ts';
import type { CheckedLines } from './order-lines.ts';

/** A line's list price and pricing steps for the order, from its quote (none: the order's defaults). */
export function stepsOf(quote: PriceQuote | undefined): Pick<OrderItemInput, 'listPrice' | 'steps'> {
  if (!quote) return {};
  return {
    listPrice: quote.listPrice,
    steps: quote.steps.map((step) => ({
      step: step.step,
      ...(step.ruleId !== undefined ? { ruleId: step.ruleId } : {}),
      label: step.label,
      unitPrice: step.unitPrice,
    })),
  };
}

/**
 * Redeems the cart's coupon for this order on the subtotal at the prices checked, on the coupon's own
 * stream (coupon-redemption.ts): of any number of orders racing for the last redemption exactly one gets
 * it, the others are 409 BIZ_4009 before anything is placed or charged. Idempotent per order, so a resumed
 * attempt gets the discount it already has. No coupon: null.
 *
 * The code is claimed on the checkout record first, so an order that is never placed (its request died
 * after redeeming) can give the redemption back whatever the cart holds by then (timer-actions.ts); and
 * a resumed attempt whose cart now holds another coupon, or none, gives back what an earlier attempt of
 * the same order claimed.
 */
export async function redeemFor(
  deps: Pick<CheckoutDeps, 'handler' | 'clock'>,
  input: {
    orderId: OrderId;
    userId: UserId;
    reservationId: ReservationId;
    /** The codes earlier attempts of this order claimed (couponsClaimedBy). */
    claimed: readonly string[];
    lines: CheckedLines | undefined;
    items: readonly CheckoutLine[];
  },
  metadata: CommandMetadata,
): Promise<{ code: string; discount: number } | null> {
  const { orderId, reservationId } = input;
  const coupon = input.lines?.coupon;
  const code = coupon ? normaliseCouponCode(coupon.code) : null;
  const now = () => deps.clock().toISOString();
  for (const earlier of input.claimed)
    if (earlier !== code) await releaseCoupon(deps.handler, { code: earlier, orderId, now: now() }, metadata);
  if (code === null) return null;
  await deps.handler.handle({
    decider: checkoutDecider,
    stream: checkoutStream(reservationId),
    metadata,
    command: { type: 'ClaimCoupon', data: { reservationId, orderId, code, now: now() } },
  });
  const subtotal = input.items.reduce(
    (sum, item) => sum + (input.lines?.products[itemKey(item)]?.price ?? item.unit_price) * item.quantity,
    0,
  );
  return redeemCoupon(deps.handler, { code, orderId, userId: input.userId, subtotal, now: now() }, metadata);
}
