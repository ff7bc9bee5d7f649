import type { CheckoutLine } from '../../domain/checkout/events.ts';
import type { OrderItemInput } from '../../domain/ordering/commands.ts';
import type { PriceQuote } from '../../domain/pricing/price-calculation.ts';
import type { OrderId, UserId } from '../../domain/shared/ids.ts';
import { itemKey } from '../../domain/shared/line-key.ts';
import type { CommandMetadata } from '../commands/metadata.ts';
import type { CheckoutDeps } from './checkout-deps.ts';
import { redeemCoupon } from './coupon-redemption.ts';
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
 */
export async function redeemFor(
  deps: Pick<CheckoutDeps, 'handler' | 'clock'>,
  input: {
    orderId: OrderId;
    userId: UserId;
    lines: CheckedLines | undefined;
    items: readonly CheckoutLine[];
  },
  metadata: CommandMetadata,
): Promise<{ code: string; discount: number } | null> {
  const coupon = input.lines?.coupon;
  if (!coupon) return null;
  const subtotal = input.items.reduce(
    (sum, item) => sum + (input.lines?.products[itemKey(item)]?.price ?? item.unit_price) * item.quantity,
    0,
  );
  return redeemCoupon(
    deps.handler,
    {
      code: coupon.code,
      orderId: input.orderId,
      userId: input.userId,
      subtotal,
      now: deps.clock().toISOString(),
    },
    metadata,
  );
}
