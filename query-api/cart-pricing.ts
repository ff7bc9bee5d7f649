import { sql } from 'kysely';
import type { CheckpointWatcher } from '../application/projection-runner/checkpoint-watcher.ts';
import type { ReadModelDb } from '../application/projection-runner/types.ts';
import { createPricingReadModel, RULES_KEY, tierKey } from '../application/read-models/pricing-read-model.ts';
import type { CartCoupon } from '../domain/cart/commands.ts';
import { priceLine } from '../domain/pricing/price-calculation.ts';
import type { PricingRule } from '../domain/pricing/rule.ts';
import type { Tier } from '../domain/pricing/tiers.ts';
import { lineKey } from '../domain/shared/line-key.ts';
import type { CartPricing, LinePrice } from '../infra/http/cart-body.ts';
import { createProductCache } from './product-cache.ts';
import { createVariantQueries } from './variant-queries.ts';

/** Every read model GET /cart reads: its consistency token waits for each (read-your-writes on prices too). */
export const cartReadModels: readonly string[] = ['cart', 'catalog', 'pricing', 'variants'];

type ProductFacts = { price: number; category: string };
type VariantFacts = { variantId: string; sku: string; adjustment: number };
/** Enabled rules by scope, so a line looks only at the rules that can reach it (priceLine checks again). */
type RuleIndex = {
  all: PricingRule[];
  byProduct: Map<string, PricingRule[]>;
  byCategory: Map<string, PricingRule[]>;
};

const normalise = (category: string) => category.trim().toLowerCase();

function indexRules(rules: readonly PricingRule[]): RuleIndex {
  const index: RuleIndex = { all: [], byProduct: new Map(), byCategory: new Map() };
  const add = (map: Map<string, PricingRule[]>, key: string, rule: PricingRule) =>
    map.set(key, [...(map.get(key) ?? []), rule]);
  for (const rule of rules) {
    if (!rule.enabled) continue;
    if (rule.scope.type === 'all') index.all.push(rule);
    else if (rule.scope.type === 'product') add(index.byProduct, rule.scope.productId, rule);
    else add(index.byCategory, normalise(rule.scope.category), rule);
  }
  return index;
}

const rulesFor = (index: RuleIndex, product: { productId: string; category: string }) => [
  ...index.all,
  ...(index.byProduct.get(product.productId) ?? []),
  ...(index.byCategory.get(normalise(product.category)) ?? []),
];

/**
 * The cart's lines priced now, as checkout will price them: the catalog read model's list price and
 * category, the pricing read model's enabled rules and the customer's tier, the variants read model's
 * adjustment, through the domain's priceLine. Each of these facts is cached in process and dropped when
 * its projection names it stale (product ids; `rules`; `tier:<user>`; `*` on a generation swap), before
 * the watcher lets a consistency token see that position; so a priced cart costs no query once warm,
 * and a miss loads all of a request's missing facts of one kind in one query. A line whose product the
 * catalog read model does not hold (yet) keeps the price the cart holds. `schemas` are the serving
 * generations; absent ones price nothing.
 */
export function createCartPricing(
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

  const productFacts = (schema: string, ids: readonly string[]) =>
    products.getMany(ids, async (missing) => {
      const { rows } = await sql<{ product_id: string; price: string; category: string }>`
        SELECT product_id, price, category FROM ${sql.table(`${schema}.products`)}
        WHERE product_id = ANY(${missing})`.execute(db);
      return new Map(
        rows.map((row) => [row.product_id, { price: Number(row.price), category: row.category }]),
      );
    });
  const variantFacts = (schema: string, ids: readonly string[]) =>
    variants.getMany(ids, async (missing) => {
      const found = new Map<string, VariantFacts[]>(missing.map((id) => [id, []]));
      for (const row of await variantQueries.of(schema, missing))
        found.get(row.product_id)?.push({
          variantId: row.variant_id,
          sku: row.sku,
          adjustment: Number(row.price_adjustment),
        });
      return found;
    });
  const tierOf = async (schema: string, userId: string) =>
    (await tiers.get(tierKey(userId), () => pricing.tierOf(schema, userId))) ?? 'none';
  const ruleIndex = async (schema: string) =>
    (await rules.get(RULES_KEY, async () => indexRules(await pricing.allRules(schema)))) ?? indexRules([]);

  return async function priceCart(
    lines: readonly { productId: string; quantity: number; variant?: { variantId: string } | null }[],
    coupon: CartCoupon | null,
    context: {
      userId: string;
      now: Date;
      catalogSchema?: string;
      pricingSchema?: string;
      variantsSchema?: string;
    },
  ): Promise<CartPricing> {
    const priced = new Map<string, LinePrice>();
    const { catalogSchema, pricingSchema, variantsSchema } = context;
    if (lines.length === 0 || !catalogSchema) return { lines: priced, coupon };
    // A variant line adds its variant's signed adjustment (the `variant` step), from the variants read
    // model; a variant it does not hold (yet) leaves the line at the price the cart holds.
    const withVariants = [...new Set(lines.filter((line) => line.variant).map((line) => line.productId))];
    const [facts, variantsOf, tier, index] = await Promise.all([
      productFacts(catalogSchema, [...new Set(lines.map((line) => line.productId))]),
      withVariants.length > 0 && variantsSchema
        ? variantFacts(variantsSchema, withVariants)
        : new Map<string, VariantFacts[]>(),
      pricingSchema ? tierOf(pricingSchema, context.userId) : ('none' as const),
      pricingSchema ? ruleIndex(pricingSchema) : indexRules([]),
    ]);
    const now = context.now.toISOString();
    for (const line of lines) {
      const fact = facts.get(line.productId);
      if (!fact) continue;
      const variant = line.variant
        ? variantsOf.get(line.productId)?.find((v) => v.variantId === line.variant!.variantId)
        : undefined;
      if (line.variant && !variant) continue;
      const product = { productId: line.productId, category: fact.category, price: fact.price };
      const quote = priceLine({
        product,
        ...(variant
          ? {
              variant: {
                variantId: variant.variantId,
                label: `Variant ${variant.sku}`,
                adjustment: variant.adjustment,
              },
            }
          : {}),
        quantity: line.quantity,
        tier,
        rules: rulesFor(index, product),
        now,
      });
      // As the command side: a cart line never goes below one cent (application/checkout/line-prices.ts).
      priced.set(lineKey(line), {
        ...quote,
        unitPrice: Math.max(quote.unitPrice, Math.min(1, quote.listPrice)),
      });
    }
    return { lines: priced, coupon };
  };
}
