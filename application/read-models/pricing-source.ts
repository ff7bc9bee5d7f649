import { sql } from 'kysely';
import type { Tier } from '../../domain/pricing/tiers.ts';
import type { PricingSource } from '../../infra/pricing/pricing-source.ts';
import type { CheckpointWatcher } from '../projection-runner/checkpoint-watcher.ts';
import { servingGeneration } from '../projection-runner/generations.ts';
import { type ReadModelDb, schemaName } from '../projection-runner/types.ts';
import { categoryAliasesOf } from './category-aliases.ts';
import { createPricingReadModel, RULES_KEY, tierKey } from './pricing-read-model.ts';
import { createProductCache, type ProductCache } from './product-cache.ts';
import { indexRules, type RuleIndex, rulesReaching } from './rule-index.ts';

/**
 * The command side's PricingSource over the pricing read model (rules, tiers) and the catalog read model
 * (the names a product's category goes by up the tree).
 *
 * With a started CheckpointWatcher (bin/start gives the command API its own), the serving generations come
 * from it, and the facts are kept in process as the query API keeps them (query-api/pricing-facts.ts): every
 * enabled rule, indexed by scope; each customer's tier; each product's category names. Each is dropped when
 * its projection names it stale (`rules`, `tier:<user>`, product ids, `*` on a generation swap), so a warm
 * add prices its lines without a query; a price a moment old is the staleness this source already allowed
 * (checkout's re-price, BIZ_4005, stops it being charged unseen). A view that has not yet heard of a swap
 * reads the previous generation, kept for 60 s after it (retired-generations.ts).
 *
 * Without a watcher (tests), every call reads, the generations from projection_generations.
 */
export function createPricingSource(db: ReadModelDb, watcher?: CheckpointWatcher): PricingSource {
  const reads = createPricingReadModel(db);
  const schemaOf = async (projection: string) => {
    const generation = watcher
      ? watcher.state(projection)?.generation
      : await servingGeneration(db, projection);
    return generation === undefined ? undefined : schemaName(projection, generation);
  };
  const rules = createProductCache<RuleIndex>({ max: 1 });
  const tiers = createProductCache<Tier>({ max: 20_000 });
  const categories = createProductCache<string[]>({ max: 20_000 });
  watcher?.onInvalidate((projection, keys) => {
    if (projection === 'pricing') {
      rules.invalidate(keys);
      tiers.invalidate(keys);
    }
    if (projection === 'catalog') categories.invalidate(keys);
  });
  // Without a watcher nothing would ever drop an entry: read every time.
  const read = <T>(cache: ProductCache<T>, key: string, load: () => Promise<T>) =>
    watcher ? cache.get(key, load) : load();

  async function categoriesOf(productId: string): Promise<string[]> {
    const catalog = await schemaOf('catalog');
    if (!catalog) return [];
    const found = await read(categories, productId, async () => {
      const { rows } = await sql<{
        names: string[];
      }>`SELECT ${categoryAliasesOf(catalog, productId)} AS names`.execute(db);
      return rows[0]?.names ?? [];
    });
    return found ?? [];
  }

  return {
    async rulesFor(product) {
      const pricing = await schemaOf('pricing');
      if (!pricing) return { rules: [], categories: [] };
      const [index, names] = await Promise.all([
        read(rules, RULES_KEY, async () => indexRules(await reads.allRules(pricing))),
        categoriesOf(product.productId),
      ]);
      const scoped = { ...product, categories: names };
      return { rules: index ? rulesReaching(index, scoped) : [], categories: names };
    },
    async tierOf(userId) {
      const pricing = await schemaOf('pricing');
      if (!pricing) return 'none';
      return (await read(tiers, tierKey(userId), () => reads.tierOf(pricing, userId))) ?? 'none';
    },
  };
}
