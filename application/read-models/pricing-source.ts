import type { PricingSource } from '../../infra/pricing/pricing-source.ts';
import { servingGeneration } from '../projection-runner/generations.ts';
import { type ReadModelDb, schemaName } from '../projection-runner/types.ts';
import { createPricingReadModel } from './pricing-read-model.ts';

/**
 * The command side's PricingSource over the pricing read model. The serving generation is read per
 * call (one indexed row), so a
 * rebuild's swap is seen.
 */
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
