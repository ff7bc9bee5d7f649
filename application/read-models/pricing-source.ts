import type { PricingSource } from '../../infra/pricing/pricing-source.ts';
import { servingGeneration } from '../projection-runner/generations.ts';
import { type ReadModelDb, schemaName } from '../projection-runner/types.ts';
import { createPricingReadModel } from './pricing-read-model.ts';

/**
 * The serving generation of a read model as this process last heard it (a started CheckpointWatcher's
 * state): undefined until the read model's first generation exists (list prices until then).
 */
export type ServingGenerations = (projection: string) => number | undefined;

/**
 * The command side's PricingSource over the pricing read model. The serving generation comes from
 * `serving`, an in-process view kept current by the projections' checkpoint channel (bin/start gives
 * it a CheckpointWatcher), instead of a query a call (4.85 a AddToCart, docs/performance.md); without
 * a view it is read from projection_generations each call. A view
 * that has not yet heard of a swap reads the previous generation, which is kept for 60 s after the swap
 * (retired-generations.ts; the watcher refreshes every 2 s): a price a moment old, the staleness this
 * source already allows (checkout's re-price, BIZ_4005, stops it being charged unseen).
 */
export function createPricingSource(db: ReadModelDb, serving?: ServingGenerations): PricingSource {
  const reads = createPricingReadModel(db);
  const schema = async () => {
    const generation = serving ? serving('pricing') : await servingGeneration(db, 'pricing');
    return generation === undefined ? undefined : schemaName('pricing', generation);
  };
  return {
    async rulesFor(product, now) {
      const current = await schema();
      if (!current) return { rules: [], categories: [] };
      const catalog = serving ? serving('catalog') : await servingGeneration(db, 'catalog');
      const catalogSchema = catalog === undefined ? undefined : schemaName('catalog', catalog);
      return reads.activeRulesFor(current, product, now, catalogSchema);
    },
    async tierOf(userId) {
      const current = await schema();
      return current ? reads.tierOf(current, userId) : 'none';
    },
  };
}
