import { invalid } from '../shared/errors.ts';
import { instantMs } from '../shared/time.ts';
import {
  inWindow,
  type PricingRule,
  type RuleKind,
  reduce,
  type ScopedProduct,
  scopeMatches,
} from './rule.ts';
import { type Tier, tierQualifies } from './tiers.ts';

/** The steps of API.md in their order; `coupon` follows at cart level (coupon-evaluation.ts). */
export const stepNames = ['base', 'variant', 'sale', 'quantity', 'tier'] as const;
export type StepName = (typeof stepNames)[number];

export type PriceStep = { step: StepName; ruleId?: string; label: string; unitPrice: number };

export type PriceInput = {
  product: ScopedProduct & { price: number };
  /** A variant's signed adjustment in minor units (0 or absent: none). */
  variant?: { variantId: string; label?: string; adjustment: number } | null;
  quantity: number;
  tier: Tier;
  /** Every rule the caller knows of; disabled, out-of-window and out-of-scope ones are skipped here. */
  rules: readonly PricingRule[];
  /** ISO instant of the request (rules' windows are read against it). */
  now: string;
};

export type PriceQuote = {
  /** Base plus variant adjustment: the price before any rule. */
  listPrice: number;
  steps: PriceStep[];
  unitPrice: number;
  total: number;
  /** (listPrice − unitPrice) × quantity: what the rules took off this line. */
  discount: number;
};

/** Most units one price is asked for; far above a cart line's 99, and keeps totals inside safe integers. */
export const MAX_PRICED_QUANTITY = 1_000_000;

/**
 * Prices one line: base → variant adjustment → sale → quantity break → customer tier, each on the running
 * unit price and rounded half-up to the cent; a step is listed only when it changes the price (base always).
 * Of several rules eligible for one step the one giving the lowest price applies (ties: the smaller rule
 * id), so overlapping rules never stack within a step. For quantity breaks the contract's "largest
 * min_quantity not above the quantity" is that one whenever larger breaks give more; if an admin set a
 * larger break to give less, the better smaller one still applies, so buying more never costs more a unit.
 */
export function priceLine(input: PriceInput): PriceQuote {
  const { product, quantity } = input;
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_PRICED_QUANTITY)
    throw invalid('quantity', `must be a whole number from 1 to ${MAX_PRICED_QUANTITY}`);
  if (!Number.isSafeInteger(product.price) || product.price < 0)
    throw invalid('price', 'must be minor units');
  const nowMs = instantMs(input.now, 'now');
  const applicable = input.rules.filter(
    (rule) => rule.enabled && inWindow(rule, nowMs) && scopeMatches(rule.scope, product),
  );

  let unit = product.price;
  const steps: PriceStep[] = [{ step: 'base', label: 'List price', unitPrice: unit }];
  const adjustment = input.variant?.adjustment ?? 0;
  if (adjustment !== 0 && input.variant) {
    unit = Math.max(0, unit + adjustment);
    steps.push({ step: 'variant', label: input.variant.label ?? 'Variant', unitPrice: unit });
  }
  const listPrice = unit;

  const eligible: Record<Exclude<StepName, 'base' | 'variant'>, (rule: PricingRule) => boolean> = {
    sale: () => true,
    quantity: (rule) => rule.minQuantity !== null && rule.minQuantity <= quantity,
    tier: (rule) => rule.tier !== null && tierQualifies(input.tier, rule.tier),
  };
  for (const kind of ['sale', 'quantity', 'tier'] as const satisfies readonly RuleKind[]) {
    const best = bestRule(
      applicable.filter((rule) => rule.kind === kind && eligible[kind](rule)),
      unit,
    );
    if (best && best.price !== unit) {
      unit = best.price;
      steps.push({ step: kind, ruleId: best.rule.ruleId, label: best.rule.name, unitPrice: unit });
    }
  }
  return {
    listPrice,
    steps,
    unitPrice: unit,
    total: unit * quantity,
    discount: (listPrice - unit) * quantity,
  };
}

/**
 * What a line is sold at: never below one cent, since an order line's unit price is positive and an
 * amount rule can take a price to 0. A product listed at 0 stays free. The cart, the order and the price
 * endpoint all quote through this, so they agree.
 */
export function atLeastOneCent(quote: PriceQuote, quantity: number): PriceQuote {
  if (quote.unitPrice >= 1 || quote.listPrice < 1) return quote;
  return { ...quote, unitPrice: 1, total: quantity, discount: (quote.listPrice - 1) * quantity };
}

function bestRule(rules: readonly PricingRule[], price: number) {
  let best: { rule: PricingRule; price: number } | undefined;
  for (const rule of rules) {
    const reduced = reduce(price, rule.reduction);
    if (!best || reduced < best.price || (reduced === best.price && rule.ruleId < best.rule.ruleId))
      best = { rule, price: reduced };
  }
  return best;
}
