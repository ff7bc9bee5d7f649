import { z } from 'zod';
import type { CouponTerms } from '../../domain/pricing/commands.ts';
import type { Reduction, RuleDefinition, RuleScope } from '../../domain/pricing/rule.ts';
import { ruleKinds } from '../../domain/pricing/rule.ts';
import { tiers } from '../../domain/pricing/tiers.ts';
import { couponCodePattern } from '../../domain/pricing/validation.ts';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { priceSchema } from '../catalog/money-input.ts';

// zod checks types and the contract's bounds; the deciders check the rest (window order, kind-specific
// fields, an amount above the product's price) and collect every problem into one VAL_2001.
const percentOff = z
  .number()
  .min(0, 'must be from 0 to 90')
  .max(90, 'must be from 0 to 90')
  .refine((value) => /^-?\d+(\.\d{1,2})?$/.test(String(value)), 'at most two decimals')
  .transform((value) => Math.round(value * 100));
const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a zone' });

/** Exactly one of product_id, category, all:true; any other key (an unknown scope) is refused. */
const scopeSchema = z.union(
  [
    z.strictObject({ product_id: z.string().min(1).max(128) }),
    z.strictObject({ category: z.string().min(1).max(100) }),
    z.strictObject({ all: z.literal(true) }),
  ],
  { error: 'must be exactly one of {product_id}, {category}, {all: true}' },
);

const reductionFields = {
  percent_off: percentOff.optional(),
  amount_off: priceSchema.optional(),
};
const bothGiven = (body: { percent_off?: unknown; amount_off?: unknown }, ctx: z.RefinementCtx) => {
  if (body.percent_off !== undefined && body.amount_off !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['amount_off'],
      message: 'give percent_off or amount_off, not both',
    });
};

export const ruleBodySchema = z
  .object({
    name: z.string().min(1).max(100),
    kind: z.enum(ruleKinds),
    ...reductionFields,
    scope: scopeSchema,
    min_quantity: z.number().int().min(1).max(1_000_000).optional(),
    tier: z.enum(tiers).optional(),
    starts_at: instant.nullable().optional(),
    ends_at: instant.nullable().optional(),
  })
  .superRefine(bothGiven);
export type RuleBody = z.output<typeof ruleBodySchema>;

export const couponBodySchema = z
  .object({
    code: z.string().trim().toUpperCase().regex(couponCodePattern, 'must be 4 to 32 of A-Z, 0-9 and -'),
    ...reductionFields,
    min_subtotal: priceSchema.optional(),
    starts_at: instant.nullable().optional(),
    ends_at: instant.nullable().optional(),
    max_redemptions: z.number().int().min(1).max(1_000_000_000).optional(),
    max_per_customer: z.number().int().min(1).max(1_000_000).optional(),
  })
  .superRefine(bothGiven);
export type CouponBody = z.output<typeof couponBodySchema>;

export const tierBodySchema = z.object({ tier: z.enum(tiers) });
export const ruleParams = z.object({ rule_id: z.string().min(1).max(128) });
export const userParams = z.object({ user_id: z.string().min(1).max(128) });

function reductionOf(body: { percent_off?: number | undefined; amount_off?: number | undefined }): Reduction {
  if (body.amount_off !== undefined) return { type: 'amount', amount: body.amount_off };
  if (body.percent_off !== undefined) return { type: 'percent', basisPoints: body.percent_off };
  throw new DomainError(ErrorCode.RequiredFieldMissing, 'Required field missing', [
    { field: 'percent_off', message: 'give percent_off or amount_off' },
  ]);
}

function scopeOf(scope: RuleBody['scope']): RuleScope {
  if ('product_id' in scope) return { type: 'product', productId: scope.product_id };
  if ('category' in scope) return { type: 'category', category: scope.category };
  return { type: 'all' };
}

export const ruleDefinitionOf = (body: RuleBody): RuleDefinition => ({
  name: body.name,
  kind: body.kind,
  reduction: reductionOf(body),
  scope: scopeOf(body.scope),
  minQuantity: body.min_quantity ?? null,
  tier: body.tier ?? null,
  startsAt: body.starts_at ?? null,
  endsAt: body.ends_at ?? null,
});

export const couponTermsOf = (body: CouponBody): CouponTerms => ({
  reduction: reductionOf(body),
  minSubtotal: body.min_subtotal ?? null,
  startsAt: body.starts_at ?? null,
  endsAt: body.ends_at ?? null,
  maxRedemptions: body.max_redemptions ?? null,
  maxPerCustomer: body.max_per_customer ?? 1,
});
