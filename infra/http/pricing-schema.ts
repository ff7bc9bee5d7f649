import { z } from 'zod';
import { ruleKinds } from '../../domain/pricing/rule.ts';
import { tierSchema } from '../../domain/pricing/tiers.ts';
import { currency, instant, money } from './response-fields.ts';

const reduction = {
  percent_off: z.number().nullable().describe('percent taken off, or null for an amount'),
  amount_off: money.nullable().describe('amount taken off the unit price, or null for a percent'),
};

/** A pricing rule as presentRule (pricing-body.ts) sends it from both APIs. */
export const pricingRuleSchema = z
  .object({
    rule_id: z.string(),
    name: z.string(),
    kind: z.enum(ruleKinds),
    ...reduction,
    scope: z.union([
      z.object({ product_id: z.string() }),
      z.object({ category: z.string() }),
      z.object({ all: z.literal(true) }),
    ]),
    min_quantity: z.number().int().nullable(),
    tier: tierSchema.nullable(),
    starts_at: instant.nullable(),
    ends_at: instant.nullable(),
    enabled: z.boolean().describe("the admin's switch"),
    active: z.boolean().describe('enabled and inside its window now'),
  })
  .meta({ id: 'PricingRule' });

/** A coupon as presentCoupon sends it. */
export const couponSchema = z
  .object({
    code: z.string(),
    ...reduction,
    min_subtotal: money.nullable(),
    starts_at: instant.nullable(),
    ends_at: instant.nullable(),
    max_redemptions: z.number().int().nullable(),
    max_per_customer: z.number().int(),
    redemptions: z.number().int(),
  })
  .meta({ id: 'Coupon' });

/** GET /pricing/{product_id}/price, as presentQuote sends it. */
export const priceQuoteSchema = z
  .object({
    product_id: z.string(),
    variant_id: z.string().nullable(),
    quantity: z.number().int(),
    tier: z.string(),
    currency,
    list_price: money,
    steps: z.array(
      z.object({
        step: z.string().describe('base, variant, sale, quantity or tier'),
        rule_id: z.string().optional(),
        label: z.string(),
        unit_price: money,
      }),
    ),
    unit_price: money,
    discount: money,
    total: money,
  })
  .meta({ id: 'PriceQuote' });
