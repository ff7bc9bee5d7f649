import { sql } from 'kysely';
import type { CartCoupon } from '../domain/cart/commands.ts';
import { priceLine } from '../domain/pricing/price-calculation.ts';
import { lineKey } from '../domain/shared/line-key.ts';
import type { CartPricing, LinePrice } from '../infra/http/cart-body.ts';
import { createPricingReadModel } from '../projections/pricing/pricing-read-model.ts';
import type { ReadModelDb } from '../projections/runner/types.ts';
import { createVariantQueries } from './variant-queries.ts';

type CatalogRow = { product_id: string; price: string; category: string };

/**
 * The cart's lines priced now, as checkout will price them: the catalog read model's list price and
 * category, the pricing read model's active rules and the customer's tier, through the domain's
 * priceLine. A line whose product the catalog read model does not hold (yet) keeps the price the cart
 * holds. `schemas` are the serving generations; absent ones price nothing.
 */
export function createCartPricing(db: ReadModelDb) {
  const pricing = createPricingReadModel(db);
  const variants = createVariantQueries(db);
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
    const { catalogSchema, pricingSchema } = context;
    if (lines.length === 0 || !catalogSchema) return { lines: priced, coupon };
    const ids = lines.map((line) => line.productId);
    const { rows } = await sql<CatalogRow>`SELECT product_id, price, category
      FROM ${sql.table(`${catalogSchema}.products`)} WHERE product_id = ANY(${ids})`.execute(db);
    const products = new Map(rows.map((row) => [row.product_id, row]));
    // A variant line adds its variant's signed adjustment (the `variant` step), from the variants read
    // model; a variant it does not hold (yet) leaves the line at the price the cart holds.
    const withVariants = [...new Set(lines.filter((line) => line.variant).map((line) => line.productId))];
    const variantRows =
      withVariants.length > 0 && context.variantsSchema
        ? await variants.of(context.variantsSchema, withVariants)
        : [];
    const variantById = new Map(variantRows.map((row) => [row.variant_id, row]));
    const tier = pricingSchema ? await pricing.tierOf(pricingSchema, context.userId) : 'none';
    await Promise.all(
      lines.map(async (line) => {
        const row = products.get(line.productId);
        if (!row) return;
        const variant = line.variant ? variantById.get(line.variant.variantId) : undefined;
        if (line.variant && !variant) return;
        const product = { productId: line.productId, category: row.category, price: Number(row.price) };
        const rules = pricingSchema ? await pricing.activeRulesFor(pricingSchema, product, context.now) : [];
        const quote = priceLine({
          product,
          ...(variant
            ? {
                variant: {
                  variantId: variant.variant_id,
                  label: `Variant ${variant.sku}`,
                  adjustment: Number(variant.price_adjustment),
                },
              }
            : {}),
          quantity: line.quantity,
          tier,
          rules,
          now: context.now.toISOString(),
        });
        // As the command side: a cart line never goes below one cent (application/checkout/line-prices.ts).
        priced.set(lineKey(line), {
          ...quote,
          unitPrice: Math.max(quote.unitPrice, Math.min(1, quote.listPrice)),
        });
      }),
    );
    return { lines: priced, coupon };
  };
}
