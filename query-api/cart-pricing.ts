import type { CartCoupon } from '../domain/cart/commands.ts';
import { atLeastOneCent, priceLine } from '../domain/pricing/price-calculation.ts';
import { lineKey } from '../domain/shared/line-key.ts';
import type { CartPricing, LinePrice } from '../infra/http/cart-body.ts';
import type { PricingFacts, VariantFacts } from './pricing-facts.ts';

/** Every read model GET /cart reads: its consistency token waits for each (read-your-writes on prices too). */
export const cartReadModels: readonly string[] = ['cart', 'catalog', 'pricing', 'variants'];

/**
 * The cart's lines priced now, as checkout will price them: the catalog read model's list price and
 * category, the pricing read model's enabled rules and the customer's tier, the variants read model's
 * adjustment, through the domain's priceLine, each fact from the query API's cached `facts`
 * (pricing-facts.ts), so a priced cart costs no query once warm. A line whose product the catalog read
 * model does not hold (yet) keeps the price the cart holds. `schemas` are the serving generations;
 * absent ones price nothing.
 */
export function createCartPricing(facts: PricingFacts) {
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
    const [products, variantsOf, tier, rulesFor] = await Promise.all([
      facts.products(catalogSchema, [...new Set(lines.map((line) => line.productId))]),
      withVariants.length > 0 && variantsSchema
        ? facts.variants(variantsSchema, withVariants)
        : new Map<string, VariantFacts[]>(),
      pricingSchema ? facts.tierOf(pricingSchema, context.userId) : ('none' as const),
      facts.rules(pricingSchema),
    ]);
    const now = context.now.toISOString();
    for (const line of lines) {
      const fact = products.get(line.productId);
      if (!fact) continue;
      const variant = line.variant
        ? variantsOf.get(line.productId)?.find((v) => v.variantId === line.variant!.variantId)
        : undefined;
      if (line.variant && !variant) continue;
      const product = {
        productId: line.productId,
        category: fact.category,
        categories: fact.categories,
        price: fact.price,
      };
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
        rules: rulesFor(product),
        now,
      });
      priced.set(lineKey(line), atLeastOneCent(quote, line.quantity));
    }
    return { lines: priced, coupon };
  };
}
