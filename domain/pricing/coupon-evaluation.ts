import { DomainError, ErrorCode } from '../shared/errors.ts';
import type { CouponTerms } from './commands.ts';
import { divideHalfUp, inWindow, type Reduction } from './rule.ts';

/** BIZ_4009: a coupon that exists but cannot be used on this cart (expired, exhausted, used up, too small a cart). */
export const couponUnusable = (code: string, reason: string) =>
  new DomainError(ErrorCode.CouponUnusable, `Coupon ${code} cannot be used: ${reason}`, [
    { field: 'code', message: reason },
  ]);

export type CouponUsage = { redeemed: number; byCustomer: number };

/**
 * What the coupon takes off a cart subtotal (minor units, after the line rules), or BIZ_4009 saying why
 * it cannot be used. A percentage is rounded half-up to the cent; an amount is capped at the subtotal.
 */
export function couponDiscount(
  code: string,
  terms: CouponTerms,
  usage: CouponUsage,
  cart: { subtotal: number; now: string },
): number {
  const nowMs = Date.parse(cart.now);
  if (terms.startsAt !== null && Date.parse(terms.startsAt) > nowMs)
    throw couponUnusable(code, 'not valid yet');
  if (!inWindow(terms, nowMs)) throw couponUnusable(code, 'expired');
  if (terms.maxRedemptions !== null && usage.redeemed >= terms.maxRedemptions)
    throw couponUnusable(code, 'no redemptions left');
  if (usage.byCustomer >= terms.maxPerCustomer) throw couponUnusable(code, 'already used by this customer');
  if (terms.minSubtotal !== null && cart.subtotal < terms.minSubtotal)
    throw couponUnusable(code, 'cart subtotal below the minimum');
  return couponTakes(terms.reduction, cart.subtotal);
}

/** What a reduction takes off a subtotal: a percentage rounded half-up to the cent, an amount capped at it. */
export function couponTakes(reduction: Reduction, subtotal: number): number {
  if (reduction.type === 'amount') return Math.min(reduction.amount, subtotal);
  return subtotal - divideHalfUp(subtotal * (10_000 - reduction.basisPoints), 10_000);
}

/**
 * The discount a cart shows for its coupon: the coupon's reduction on the subtotal, 0 below its minimum.
 * Only the terms the cart keeps count here; windows and redemption limits are checked at checkout.
 */
export const cartCouponDiscount = (
  coupon: { reduction: Reduction; minSubtotal: number | null },
  subtotal: number,
): number =>
  coupon.minSubtotal !== null && subtotal < coupon.minSubtotal ? 0 : couponTakes(coupon.reduction, subtotal);
