import { fromStoredReduction, storedReduction } from '../pricing/stored-rule.ts';
import { DomainError, ErrorCode } from '../shared/errors.ts';
import type { CartState } from './cart-state.ts';
import type { ApplyCartCoupon, CartCoupon, RemoveCartCoupon } from './commands.ts';
import type { CartEvent, CouponAppliedToCart } from './events.ts';

/** A coupon on an empty cart would have nothing to take off: 409 BIZ_4009, as any unusable coupon. */
export function applyCoupon({ data }: ApplyCartCoupon, state: CartState): CartEvent[] {
  if (state.lines.length === 0 || state.cartId === null)
    throw new DomainError(
      ErrorCode.CouponUnusable,
      `Coupon ${data.coupon.code} cannot be used: the cart is empty`,
      [{ field: 'code', message: 'the cart is empty' }],
    );
  if (state.coupon?.code === data.coupon.code) return [];
  return [
    {
      type: 'CouponAppliedToCart',
      data: {
        schema_version: 1,
        cart_id: state.cartId,
        user_id: data.userId,
        code: data.coupon.code,
        ...storedReduction(data.coupon.reduction),
        min_subtotal: data.coupon.minSubtotal,
        applied_at: data.now,
      },
    },
  ];
}

export function removeCoupon({ data }: RemoveCartCoupon, state: CartState): CartEvent[] {
  if (!state.coupon || state.cartId === null) return [];
  return [
    {
      type: 'CouponRemovedFromCart',
      data: {
        schema_version: 1,
        cart_id: state.cartId,
        user_id: data.userId,
        code: state.coupon.code,
        removed_at: data.now,
      },
    },
  ];
}

/** The coupon as the cart keeps it, from its event. */
export const couponFrom = (data: CouponAppliedToCart['data']): CartCoupon => ({
  code: data.code,
  reduction: fromStoredReduction(data),
  minSubtotal: data.min_subtotal,
});
