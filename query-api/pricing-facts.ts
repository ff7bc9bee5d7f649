import { sql } from 'kysely';
import type { CheckpointWatcher } from '../application/projection-runner/checkpoint-watcher.ts';
import type { ReadModelDb } from '../application/projection-runner/types.ts';
import { categoryAliasesOf } from '../application/read-models/category-aliases.ts';
import { createPricingReadModel, RULES_KEY, tierKey } from '../application/read-models/pricing-read-model.ts';
import { createProductCache } from '../application/read-models/product-cache.ts';
import { indexRules, type RuleIndex, rulesReaching } from '../application/read-models/rule-index.ts';
import type { PricingRule, ScopedProduct } from '../domain/pricing/rule.ts';
import type { Tier } from '../domain/pricing/tiers.ts';
import { createVariantQueries } from './variant-queries.ts';

/** What a price needs of a catalog product. */
export type ProductFacts = {
  price: number;
  currency: string;
  category: string;
  /** The names its category and those above it go by (category-aliases.ts): what category rules match. */
  categories: string[];
  discontinued: boolean;
};
/** What a price needs of a variant. */
export type VariantFacts = { variantId: string; sku: string; adjustment: number; status: string };

/**
 * The facts a price is made of (the catalog's list price and category, the variants' adjustments, the
 * customer's tier, the enabled rules), for GET /cart and GET /pricing/{id}/price alike. Each is cached in
 * process and dropped when its projection names it stale (product ids; `rules`; `tier:<user>`; `*` on a
 * generation swap), before the watcher lets a consistency token see that position; so a price costs no
 * query once warm, and a miss loads all of a request's missing facts of one kind in one query. `schema`
 * is the serving generation of the read model asked.
 */
export function createPricingFacts(
  db: ReadModelDb,
  watcher: CheckpointWatcher,
  options: { max?: number } = {},
) {
  const pricing = createPricingReadModel(db);
  const variantQueries = createVariantQueries(db);
  const max = options.max ?? 20_000;
  const products = createProductCache<ProductFacts>({ max });
  const variants = createProductCache<VariantFacts[]>({ max });
  const tiers = createProductCache<Tier>({ max });
  const rules = createProductCache<RuleIndex>({ max: 1 });
  watcher.onInvalidate((projection, keys) => {
    if (projection === 'catalog') products.invalidate(keys);
    if (projection === 'variants') variants.invalidate(keys);
    if (projection === 'pricing') {
      rules.invalidate(keys);
      tiers.invalidate(keys);
    }
  });
  const ruleIndex = async (schema: string) =>
    (await rules.get(RULES_KEY, async () => indexRules(await pricing.allRules(schema)))) ?? indexRules([]);

  return {
    /** The catalog facts of these products; a product the read model does not hold is absent. */
    products: (schema: string, ids: readonly string[]) =>
      products.getMany(ids, async (missing) => {
        const { rows } = await sql<{
          product_id: string;
          price: string;
          currency: string;
          category: string;
          categories: string[];
          discontinued: boolean;
        }>`SELECT product_id, price, currency, category, discontinued,
            ${categoryAliasesOf(schema, sql.ref('p.product_id'))} AS categories
          FROM ${sql.table(`${schema}.products`)} p WHERE product_id = ANY(${missing})`.execute(db);
        return new Map(
          rows.map(({ product_id, price, ...row }) => [product_id, { ...row, price: Number(price) }]),
        );
      }),

    /** Every variant (active and retired) of these products; none for a product without variants. */
    variants: (schema: string, ids: readonly string[]) =>
      variants.getMany(ids, async (missing) => {
        const found = new Map<string, VariantFacts[]>(missing.map((id) => [id, []]));
        for (const row of await variantQueries.of(schema, missing))
          found.get(row.product_id)?.push({
            variantId: row.variant_id,
            sku: row.sku,
            adjustment: Number(row.price_adjustment),
            status: row.status,
          });
        return found;
      }),

    /** A customer's tier; `none` when none was ever set. */
    tierOf: async (schema: string, userId: string): Promise<Tier> =>
      (await tiers.get(tierKey(userId), () => pricing.tierOf(schema, userId))) ?? 'none',

    /**
     * The enabled rules, loaded once for a request: for each product, those whose scope reaches it
     * (priceLine checks their windows). No schema (no pricing read model yet): no rules.
     */
    async rules(schema: string | undefined) {
      const index = schema ? await ruleIndex(schema) : indexRules([]);
      return (product: ScopedProduct): PricingRule[] => rulesReaching(index, product);
    },
  };
}

export type PricingFacts = ReturnType<typeof createPricingFacts>;
