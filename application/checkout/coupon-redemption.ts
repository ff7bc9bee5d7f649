import { setTimeout as sleep } from 'node:timers/promises';
import { couponDecider, couponStream } from '../../domain/pricing/coupon.ts';
import { normaliseCouponCode } from '../../domain/pricing/validation.ts';
import type { OrderId, UserId } from '../../domain/shared/ids.ts';
import { VersionConflict } from '../../infra/eventstore/errors.ts';
import type { CommandHandler } from '../commands/command-handler.ts';
import type { CommandMetadata } from '../commands/metadata.ts';

/**
 * Coupon use for order placement (wired into checkout next): every redemption of a code is decided on the
 * one `coupon-<CODE>` stream and appended at the revision it was decided on, so two orders can never both
 * take the last redemption; the loser re-reads and is refused (BIZ_4009) once the coupon is used up.
 */

// The handler retries a conflict itself for up to 5 s; a hot coupon may need more rounds, each one winner.
// Bounded by a time well inside a payment attempt's 30 s window (PAYMENT_ATTEMPT_MS), so a redemption
// never lands after another request has taken the order up.
const RETRY_FOR_MS = 10_000;

async function withConflictRetries<T>(run: () => Promise<T>): Promise<T> {
  const giveUpAt = performance.now() + RETRY_FOR_MS;
  for (;;) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof VersionConflict) || performance.now() >= giveUpAt) throw error;
      await sleep(Math.random() * 20);
    }
  }
}

export type Redemption = { code: string; discount: number };

/** Redeems `code` for an order on a cart subtotal (minor units); idempotent per order. */
export async function redeemCoupon(
  handler: CommandHandler,
  request: { code: string; orderId: OrderId; userId: UserId; subtotal: number; now: string },
  metadata: CommandMetadata,
): Promise<Redemption> {
  const code = normaliseCouponCode(request.code);
  const result = await withConflictRetries(() =>
    handler.handle({
      decider: couponDecider,
      stream: couponStream(code),
      command: { type: 'RedeemCoupon', data: { ...request, code } },
      metadata,
    }),
  );
  const discount = result.events.length > 0 ? Number(result.events[0]!.data.discount) : undefined;
  return { code, discount: discount ?? (await redeemedDiscount(handler, code, request.orderId)) };
}

// A repeated redemption decides nothing; its discount is the one first recorded for the order.
async function redeemedDiscount(handler: CommandHandler, code: string, orderId: OrderId) {
  const { state } = await handler.load(couponDecider, couponStream(code));
  if (state.status === 'none' || !(orderId in state.redemptions)) return 0;
  return state.discounts[orderId] ?? 0;
}

/** Gives an order's redemption back (order cancelled, payment failed); a no-op when it has none. */
export async function releaseCoupon(
  handler: CommandHandler,
  request: { code: string; orderId: OrderId; now: string },
  metadata: CommandMetadata,
): Promise<void> {
  const code = normaliseCouponCode(request.code);
  await withConflictRetries(() =>
    handler.handle({
      decider: couponDecider,
      stream: couponStream(code),
      command: { type: 'ReleaseCouponRedemption', data: { ...request, code } },
      metadata,
    }),
  );
}
