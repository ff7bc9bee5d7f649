import type { PricingRule } from '../../domain/pricing/rule.ts';
import type { Tier } from '../../domain/pricing/tiers.ts';
import { servingGeneration } from '../runner/generations.ts';
import { type ReadModelDb, schemaName } from '../runner/types.ts';
import { createPricingReadModel } from './pricing-read-model.ts';

/**
 * What the command side consults to price a cart line: the active rules reaching a product and a
 * customer's tier, from the `pricing` read model. A fact only consulted, never decided on: a stale
 * read shows a price a moment old, and checkout's re-price (BIZ_4005) stops it being charged unseen
 * (docs/pricing.md "The rules read model, its staleness").
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

/** The pricing read model's serving generation, read per call (one indexed row), so a rebuild's swap is seen. */
export function createPricingSource(db: ReadModelDb): PricingSource {
  const reads = createPricingReadModel(db);
  const schema = async () => {
    const generation = await servingGeneration(db, 'pricing');
    return generation === undefined ? undefined : schemaName('pricing', generation);
  };
  return {
    async rulesFor(product, now) {
      const serving = await schema();
      return serving ? reads.activeRulesFor(serving, product, now) : [];
    },
    async tierOf(userId) {
      const serving = await schema();
      return serving ? reads.tierOf(serving, userId) : 'none';
    },
  };
}
