import { DomainError, ErrorCode } from '../shared/errors.ts';
import { FieldProblems } from '../shared/field-problems.ts';
import { isId } from '../shared/ids.ts';
import { instantMs } from '../shared/time.ts';
import type { CouponTerms } from './commands.ts';
import { MAX_PERCENT_BPS, type Reduction, type RuleDefinition, ruleKinds } from './rule.ts';
import { ruleTiers } from './tiers.ts';

function checkReduction(reduction: Reduction, problems: FieldProblems, cap?: number | null) {
  if (reduction.type === 'percent') {
    const bps = reduction.basisPoints;
    if (!Number.isSafeInteger(bps) || bps < 0 || bps > MAX_PERCENT_BPS)
      problems.add('percent_off', 'must be from 0 to 90');
    return;
  }
  if (!Number.isSafeInteger(reduction.amount) || reduction.amount <= 0)
    problems.add('amount_off', 'must be greater than 0');
  else if (cap !== undefined && cap !== null && reduction.amount > cap)
    problems.add('amount_off', "must not be above the product's price");
}

function checkWindow(startsAt: string | null, endsAt: string | null, problems: FieldProblems) {
  const ms = (value: string | null, field: string) => {
    if (value === null) return null;
    try {
      return instantMs(value, field);
    } catch {
      problems.add(field, 'must be an ISO 8601 date-time with a zone');
      return null;
    }
  };
  const start = ms(startsAt, 'starts_at');
  const end = ms(endsAt, 'ends_at');
  if (start !== null && end !== null && end <= start) problems.add('ends_at', 'must be after starts_at');
}

/**
 * Checks a rule definition. `productPrice`: for a product scope, the product's price (null when there is
 * no such product); an amount off above it is refused. Category and all-product amounts are capped at the
 * price when applied instead (a price never goes below 0).
 */
export function checkRuleDefinition(definition: RuleDefinition, productPrice?: number | null) {
  const problems = new FieldProblems();
  const name = definition.name.trim();
  if (name.length < 1 || name.length > 100) problems.add('name', 'must be 1 to 100 characters');
  const knownKind = ruleKinds.includes(definition.kind);
  if (!knownKind) problems.add('kind', `must be one of ${ruleKinds.join(', ')}`);
  const { scope } = definition;
  if (scope.type === 'product') {
    if (!isId('product', scope.productId)) problems.add('scope.product_id', 'must be a prd_ id');
    else if (productPrice === null) problems.add('scope.product_id', 'no such product');
  } else if (scope.type === 'category') {
    const category = scope.category.trim();
    if (category.length < 1 || category.length > 100)
      problems.add('scope.category', 'must be 1 to 100 characters');
  }
  checkReduction(definition.reduction, problems, scope.type === 'product' ? productPrice : undefined);
  if (knownKind) checkKindFields(definition, problems);
  checkWindow(definition.startsAt, definition.endsAt, problems);
  problems.throwIfAny();
  const trimmedScope =
    scope.type === 'category' ? { scope: { ...scope, category: scope.category.trim() } } : {};
  return { ...definition, name, ...trimmedScope };
}

function checkKindFields(definition: RuleDefinition, problems: FieldProblems) {
  if (definition.kind === 'quantity') {
    const min = definition.minQuantity;
    if (min === null) problems.missing('min_quantity', 'is required for a quantity rule');
    else if (!Number.isSafeInteger(min) || min < 1 || min > 1_000_000)
      problems.add('min_quantity', 'must be a whole number from 1 to 1000000');
  } else if (definition.minQuantity !== null) problems.add('min_quantity', 'only for a quantity rule');
  if (definition.kind === 'tier') {
    if (definition.tier === null) problems.missing('tier', 'is required for a tier rule');
    else if (!(ruleTiers as readonly string[]).includes(definition.tier))
      problems.add('tier', `must be one of ${ruleTiers.join(', ')}`);
  } else if (definition.tier !== null) problems.add('tier', 'only for a tier rule');
}

/** Coupon codes: A-Z, 0-9 and '-', 4 to 32 characters, matched in upper case. */
export const couponCodePattern = /^[A-Z0-9-]{4,32}$/;

/** The code as stored and matched: trimmed, upper case; VAL_2001 on `code` when it has other characters. */
export function normaliseCouponCode(code: string): string {
  const upper = code.trim().toUpperCase();
  if (!couponCodePattern.test(upper))
    throw new DomainError(ErrorCode.ValidationFailed, 'Validation failed', [
      { field: 'code', message: 'must be 4 to 32 of A-Z, 0-9 and -' },
    ]);
  return upper;
}

export function checkCouponTerms(terms: CouponTerms) {
  const problems = new FieldProblems();
  checkReduction(terms.reduction, problems);
  const positive = (value: number | null, field: string) => {
    if (value !== null && (!Number.isSafeInteger(value) || value < 1))
      problems.add(field, 'must be at least 1');
  };
  positive(terms.minSubtotal, 'min_subtotal');
  positive(terms.maxRedemptions, 'max_redemptions');
  positive(terms.maxPerCustomer, 'max_per_customer');
  checkWindow(terms.startsAt, terms.endsAt, problems);
  problems.throwIfAny();
}
