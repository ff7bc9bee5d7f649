import type { PricingRule } from '../../domain/pricing/rule.ts';
import type { Tier } from '../../domain/pricing/tiers.ts';

/**
 * What the command side consults to price a cart line: the active rules reaching a product and a
 * customer's tier. The implementation reads the `pricing` read model (projections/pricing/pricing-source.ts).
 * A fact only consulted, never decided on: a stale read shows a price a moment old, and checkout's re-price
 * (BIZ_4005) stops it being charged unseen (docs/pricing.md "The rules read model, its staleness").
 */
export type PricingSource = {
  rulesFor(product: { productId: string; category: string }, now: Date): Promise<PricingRule[]>;
  tierOf(userId: string): Promise<Tier>;
};

/** No rules and no tiers: every line at its list price (a command API started without the read model). */
export const listPricesOnly: PricingSource = {
  rulesFor: async () => [],
  tierOf: async () => 'none',
};
