import type { PricingRule } from '../../domain/pricing/rule.ts';
import type { Tier } from '../../domain/pricing/tiers.ts';

/**
 * What the command side consults to price a cart line: the active rules reaching a product and a
 * customer's tier. The implementation reads the `pricing` read model (projections/pricing/pricing-source.ts).
 * A fact only consulted, never decided on: a stale read shows a price a moment old, and checkout's re-price
 * (BIZ_4005) stops it being charged unseen (docs/pricing.md "The rules read model, its staleness").
 */
/** The rules that reach a product, and the names its category and those above it go by (ScopedProduct). */
export type RulesReaching = { rules: PricingRule[]; categories: string[] };

export type PricingSource = {
  /** The enabled rules that may reach the product; the price calculation checks each one's window. */
  rulesFor(product: { productId: string; category: string }): Promise<RulesReaching>;
  tierOf(userId: string): Promise<Tier>;
};

/** No rules and no tiers: every line at its list price (a command API started without the read model). */
export const listPricesOnly: PricingSource = {
  rulesFor: async () => ({ rules: [], categories: [] }),
  tierOf: async () => 'none',
};

/**
 * The source as one request sees it: each product's rules and each customer's tier read once, however
 * often the request prices (a cart add prices up front, then again on the cart state it is decided on).
 * The rules it reads are the same for each of its pricings.
 */
export function readOnce(source: PricingSource): PricingSource {
  const rules = new Map<string, Promise<RulesReaching>>();
  const tiers = new Map<string, Promise<Tier>>();
  const once = <T>(cache: Map<string, Promise<T>>, key: string, read: () => Promise<T>) => {
    let found = cache.get(key);
    if (!found) {
      found = read();
      cache.set(key, found);
      // A failed read is not kept: a retry of the request's decision reads again.
      const kept = found;
      kept.catch(() => {
        if (cache.get(key) === kept) cache.delete(key);
      });
    }
    return found;
  };
  return {
    rulesFor: (product) =>
      once(rules, `${product.productId}\u0000${product.category}`, () => source.rulesFor(product)),
    tierOf: (userId) => once(tiers, userId, () => source.tierOf(userId)),
  };
}
