import { type Decider, unreachable } from '../shared/decider.ts';
import { alreadyExists, notFound } from '../shared/errors.ts';
import type { CouponCommand, CouponTerms } from './commands.ts';
import { couponDiscount } from './coupon-evaluation.ts';
import type { CouponEvent } from './events.ts';
import { fromStoredReduction, storedReduction } from './stored-rule.ts';
import { checkCouponTerms } from './validation.ts';

/** One stream per code (upper case), so every redemption of a coupon is decided against all the others. */
export const couponStream = (code: string) => `coupon-${code}`;

export type CouponState =
  | { status: 'none' }
  | {
      status: 'created';
      code: string;
      terms: CouponTerms;
      /** The orders using it now: order id → user id. */
      redemptions: Record<string, string>;
      /** What it took off each of those orders (minor units). */
      discounts: Record<string, number>;
    };

export const initialState = (): CouponState => ({ status: 'none' });

/** How often the coupon is in use, overall and by this customer. */
export const usageOf = (state: Extract<CouponState, { status: 'created' }>, userId: string) => {
  const users = Object.values(state.redemptions);
  return { redeemed: users.length, byCustomer: users.filter((id) => id === userId).length };
};

export function decide(command: CouponCommand, state: CouponState): CouponEvent[] {
  switch (command.type) {
    case 'CreateCoupon': {
      const { code, terms, now } = command.data;
      if (state.status !== 'none') throw alreadyExists(`Coupon ${code}`);
      checkCouponTerms(terms);
      return [
        {
          type: 'CouponCreated',
          data: {
            schema_version: 1,
            code,
            ...storedReduction(terms.reduction),
            min_subtotal: terms.minSubtotal,
            starts_at: terms.startsAt,
            ends_at: terms.endsAt,
            max_redemptions: terms.maxRedemptions,
            max_per_customer: terms.maxPerCustomer,
            created_at: now,
          },
        },
      ];
    }
    case 'RedeemCoupon': {
      const { code, orderId, userId, subtotal, now } = command.data;
      if (state.status === 'none') throw notFound('Coupon', code);
      // The same order redeeming again (a retried checkout step) is the redemption it already has.
      if (orderId in state.redemptions) return [];
      const discount = couponDiscount(code, state.terms, usageOf(state, userId), { subtotal, now });
      return [
        {
          type: 'CouponRedeemed',
          data: {
            schema_version: 1,
            code,
            order_id: orderId,
            user_id: userId,
            subtotal,
            discount,
            redeemed_at: now,
          },
        },
      ];
    }
    case 'ReleaseCouponRedemption': {
      const { code, orderId, now } = command.data;
      if (state.status === 'none') throw notFound('Coupon', code);
      const userId = state.redemptions[orderId];
      if (userId === undefined) return [];
      return [
        {
          type: 'CouponRedemptionReleased',
          data: {
            schema_version: 1,
            code,
            order_id: orderId,
            user_id: userId as never,
            released_at: now,
          },
        },
      ];
    }
    default:
      return unreachable(command);
  }
}

export function evolve(state: CouponState, event: CouponEvent): CouponState {
  switch (event.type) {
    case 'CouponCreated': {
      const d = event.data;
      return {
        status: 'created',
        code: d.code,
        terms: {
          reduction: fromStoredReduction(d),
          minSubtotal: d.min_subtotal,
          startsAt: d.starts_at,
          endsAt: d.ends_at,
          maxRedemptions: d.max_redemptions,
          maxPerCustomer: d.max_per_customer,
        },
        redemptions: {},
        discounts: {},
      };
    }
    case 'CouponRedeemed':
      if (state.status === 'none') return state;
      return {
        ...state,
        redemptions: { ...state.redemptions, [event.data.order_id]: event.data.user_id },
        discounts: { ...state.discounts, [event.data.order_id]: event.data.discount },
      };
    case 'CouponRedemptionReleased': {
      if (state.status === 'none') return state;
      const { [event.data.order_id]: _user, ...redemptions } = state.redemptions;
      const { [event.data.order_id]: _discount, ...discounts } = state.discounts;
      return { ...state, redemptions, discounts };
    }
    default:
      return unreachable(event);
  }
}

export const couponDecider: Decider<CouponCommand, CouponEvent, CouponState> = {
  decide,
  evolve,
  initialState,
};
