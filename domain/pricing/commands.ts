import type { Command } from '../shared/decider.ts';
import type { OrderId, UserId } from '../shared/ids.ts';
import type { TierThresholds } from './earned-tiers.ts';
import type { Reduction, RuleDefinition } from './rule.ts';
import type { Tier } from './tiers.ts';

/**
 * `productPrice` is the price (minor units) of the product a product-scoped rule names, read by the
 * handler from the product's stream; null when that product does not exist; absent for other scopes.
 */
export type CreatePricingRule = Command<
  'CreatePricingRule',
  { ruleId: string; definition: RuleDefinition; productPrice?: number | null; now: string }
>;
/** Replaces the whole definition (PUT). */
export type ChangePricingRule = Command<
  'ChangePricingRule',
  { ruleId: string; definition: RuleDefinition; productPrice?: number | null; now: string }
>;
export type DisablePricingRule = Command<'DisablePricingRule', { ruleId: string; now: string }>;
export type PricingRuleCommand = CreatePricingRule | ChangePricingRule | DisablePricingRule;

export type CouponTerms = {
  reduction: Reduction;
  minSubtotal: number | null;
  startsAt: string | null;
  endsAt: string | null;
  maxRedemptions: number | null;
  maxPerCustomer: number;
};
export type CreateCoupon = Command<'CreateCoupon', { code: string; terms: CouponTerms; now: string }>;
/** Uses the coupon for one order on a cart subtotal (minor units, after the line rules); idempotent per order. */
export type RedeemCoupon = Command<
  'RedeemCoupon',
  { code: string; orderId: OrderId; userId: UserId; subtotal: number; now: string }
>;
/** Gives an order's redemption back (order cancelled or never confirmed); idempotent. */
export type ReleaseCouponRedemption = Command<
  'ReleaseCouponRedemption',
  { code: string; orderId: OrderId; now: string }
>;
export type CouponCommand = CreateCoupon | RedeemCoupon | ReleaseCouponRedemption;

export type SetCustomerTier = Command<
  'SetCustomerTier',
  { userId: UserId; tier: Tier; source: 'admin' | 'earned'; now: string }
>;
/**
 * Counts an order's confirmed payment (or its refund) towards the customer's lifetime spend, once per order
 * and kind; the earned tier follows from `thresholds`, never below the tier an admin last set.
 */
export type RecordCustomerSpend = Command<
  'RecordCustomerSpend',
  {
    userId: UserId;
    orderId: OrderId;
    kind: 'confirmed' | 'refunded';
    amount: number;
    thresholds: TierThresholds;
    now: string;
  }
>;
export type CustomerTierCommand = SetCustomerTier | RecordCustomerSpend;
