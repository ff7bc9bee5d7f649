import { z } from 'zod';
import type { DomainEvent } from '../shared/decider.ts';
import { idSchema } from '../shared/ids.ts';
import { minorUnitsSchema } from '../shared/money.ts';
import { ruleKinds } from './rule.ts';
import { ruleTiers, tierSchema } from './tiers.ts';

/** Streams: `pricingrule-<rule_id>`, `coupon-<CODE>`, `customertier-<user_id>`. Stored fields are snake_case. */
export const pricingRuleStreamCategory = 'pricingrule';
export const couponStreamCategory = 'coupon';
export const customerTierStreamCategory = 'customertier';

const schemaVersion = z.literal(1).describe('version of this event data shape');
const isoTime = z.iso.datetime({ offset: true });
const ruleId = z
  .string()
  .regex(/^prl_[A-Za-z0-9_-]{1,64}$/)
  .describe('the rule (prl_…)');
const percentOffBps = z
  .number()
  .int()
  .min(0)
  .max(9000)
  .nullable()
  .describe('percentage off in basis points (1500 = 15 %); null when amount_off is set');
const amountOff = minorUnitsSchema
  .positive()
  .nullable()
  .describe('amount off in minor units; null when percent_off_bps is set');

export const ruleScopeSchema = z
  .union([
    z.object({ product_id: idSchema('product') }),
    z.object({ category: z.string().min(1) }),
    z.object({ all: z.literal(true) }),
  ])
  .describe('one product, one category, or every product');

/** The whole definition of a rule, as PricingRuleCreated and PricingRuleChanged store it. */
const ruleDefinition = {
  rule_id: ruleId,
  name: z.string().min(1).max(100),
  kind: z.enum(ruleKinds),
  percent_off_bps: percentOffBps,
  amount_off: amountOff,
  scope: ruleScopeSchema,
  min_quantity: z.number().int().positive().nullable().describe('quantity breaks: the smallest quantity'),
  tier: z.enum(ruleTiers).nullable().describe('tier rules: the lowest tier it applies to'),
  starts_at: isoTime.nullable(),
  ends_at: isoTime.nullable(),
};

export const pricingRuleCreatedSchema = z
  .object({ schema_version: schemaVersion, ...ruleDefinition, created_at: isoTime })
  .describe('An admin defined a pricing rule (sale, quantity break or tier discount); it is enabled.');

export const pricingRuleChangedSchema = z
  .object({ schema_version: schemaVersion, ...ruleDefinition, changed_at: isoTime })
  .describe("An admin replaced a pricing rule's definition; the event carries the whole new definition.");

export const pricingRuleDisabledSchema = z
  .object({ schema_version: schemaVersion, rule_id: ruleId, disabled_at: isoTime })
  .describe('An admin disabled a pricing rule: it no longer applies to any price, and cannot change.');

const couponCode = z
  .string()
  .regex(/^[A-Z0-9-]{4,32}$/)
  .describe('the code, upper case');

export const couponCreatedSchema = z
  .object({
    schema_version: schemaVersion,
    code: couponCode,
    percent_off_bps: percentOffBps,
    amount_off: amountOff,
    min_subtotal: minorUnitsSchema.positive().nullable().describe('smallest cart subtotal, minor units'),
    starts_at: isoTime.nullable(),
    ends_at: isoTime.nullable(),
    max_redemptions: z
      .number()
      .int()
      .positive()
      .nullable()
      .describe('orders that may use it; null: no limit'),
    max_per_customer: z.number().int().positive(),
    created_at: isoTime,
  })
  .describe('An admin created a coupon code with its discount and limits.');

export const couponRedeemedSchema = z
  .object({
    schema_version: schemaVersion,
    code: couponCode,
    order_id: idSchema('order'),
    user_id: idSchema('user'),
    subtotal: minorUnitsSchema.nonnegative().describe('the cart subtotal it was applied to, minor units'),
    discount: minorUnitsSchema.nonnegative().describe('what it took off, minor units'),
    redeemed_at: isoTime,
  })
  .describe('An order used the coupon; it counts against max_redemptions and max_per_customer.');

export const couponRedemptionReleasedSchema = z
  .object({
    schema_version: schemaVersion,
    code: couponCode,
    order_id: idSchema('order'),
    user_id: idSchema('user'),
    released_at: isoTime,
  })
  .describe("An order's use of the coupon was given back (the order was cancelled or never confirmed).");

export const customerTierChangedSchema = z
  .object({
    schema_version: schemaVersion,
    user_id: idSchema('user'),
    old_tier: tierSchema,
    new_tier: tierSchema,
    source: z.enum(['admin', 'earned']).describe('set by an admin, or earned from confirmed spend'),
    changed_at: isoTime,
  })
  .describe("A customer's tier changed; prices use the new tier from the next request on.");

export const customerSpendRecordedSchema = z
  .object({
    schema_version: schemaVersion,
    user_id: idSchema('user'),
    order_id: idSchema('order'),
    kind: z
      .enum(['confirmed', 'refunded'])
      .describe('an order confirmed (spend added) or refunded (taken off)'),
    amount: z.number().int().nonnegative().describe('the amount confirmed or refunded, minor units'),
    lifetime_spend: z.number().int().describe('lifetime confirmed spend after this, minor units'),
    recorded_at: isoTime,
  })
  .describe(
    "An order's confirmed payment or refund counted towards the customer's lifetime spend (once per order " +
      'and kind); a CustomerTierChanged (source earned) follows when it moves the earned tier.',
  );

export const pricingRuleEventSchemas = {
  PricingRuleCreated: pricingRuleCreatedSchema,
  PricingRuleChanged: pricingRuleChangedSchema,
  PricingRuleDisabled: pricingRuleDisabledSchema,
} as const;
export const couponEventSchemas = {
  CouponCreated: couponCreatedSchema,
  CouponRedeemed: couponRedeemedSchema,
  CouponRedemptionReleased: couponRedemptionReleasedSchema,
} as const;
export const customerTierEventSchemas = {
  CustomerTierChanged: customerTierChangedSchema,
  CustomerSpendRecorded: customerSpendRecordedSchema,
} as const;

type Event<T extends string, S extends z.ZodType> = DomainEvent<T, z.infer<S>>;
export type PricingRuleCreated = Event<'PricingRuleCreated', typeof pricingRuleCreatedSchema>;
export type PricingRuleChanged = Event<'PricingRuleChanged', typeof pricingRuleChangedSchema>;
export type PricingRuleDisabled = Event<'PricingRuleDisabled', typeof pricingRuleDisabledSchema>;
export type PricingRuleEvent = PricingRuleCreated | PricingRuleChanged | PricingRuleDisabled;
export type CouponCreated = Event<'CouponCreated', typeof couponCreatedSchema>;
export type CouponRedeemed = Event<'CouponRedeemed', typeof couponRedeemedSchema>;
export type CouponRedemptionReleased = Event<
  'CouponRedemptionReleased',
  typeof couponRedemptionReleasedSchema
>;
export type CouponEvent = CouponCreated | CouponRedeemed | CouponRedemptionReleased;
export type CustomerTierChanged = Event<'CustomerTierChanged', typeof customerTierChangedSchema>;
export type CustomerSpendRecorded = Event<'CustomerSpendRecorded', typeof customerSpendRecordedSchema>;
export type CustomerTierEvent = CustomerTierChanged | CustomerSpendRecorded;
