import { sql } from 'kysely';
import type { CartCoupon } from '../domain/cart/commands.ts';
import { priceLine } from '../domain/pricing/price-calculation.ts';
import type { CartPricing, LinePrice } from '../infra/http/cart-body.ts';
import { createPricingReadModel } from '../projections/pricing/pricing-read-model.ts';
import type { ReadModelDb } from '../projections/runner/types.ts';

type CatalogRow = { product_id: string; price: string; category: string };

/**
 * The cart's lines priced now, as checkout will price them: the catalog read model's list price and
 * category, the pricing read model's active rules and the customer's tier, through the domain's
 * priceLine. A line whose product the catalog read model does not hold (yet) keeps the price the cart
 * holds. `schemas` are the serving generations; absent ones price nothing.
 */
export function createCartPricing(db: ReadModelDb) {
  const pricing = createPricingReadModel(db);
  return async function priceCart(
    lines: readonly { productId: string; quantity: number }[],
    coupon: CartCoupon | null,
    context: { userId: string; now: Date; catalogSchema?: string; pricingSchema?: string },
  ): Promise<CartPricing> {
    const priced = new Map<string, LinePrice>();
    const { catalogSchema, pricingSchema } = context;
    if (lines.length === 0 || !catalogSchema) return { lines: priced, coupon };
    const ids = lines.map((line) => line.productId);
    const { rows } = await sql<CatalogRow>`SELECT product_id, price, category
      FROM ${sql.table(`${catalogSchema}.products`)} WHERE product_id = ANY(${ids})`.execute(db);
    const products = new Map(rows.map((row) => [row.product_id, row]));
    const tier = pricingSchema ? await pricing.tierOf(pricingSchema, context.userId) : 'none';
    await Promise.all(
      lines.map(async (line) => {
        const row = products.get(line.productId);
        if (!row) return;
        const product = { productId: line.productId, category: row.category, price: Number(row.price) };
        const rules = pricingSchema ? await pricing.activeRulesFor(pricingSchema, product, context.now) : [];
        const quote = priceLine({
          product,
          quantity: line.quantity,
          tier,
          rules,
          now: context.now.toISOString(),
        });
        // As the command side: a cart line never goes below one cent (command-api/checkout/line-prices.ts).
        priced.set(line.productId, {
          ...quote,
          unitPrice: Math.max(quote.unitPrice, Math.min(1, product.price)),
        });
      }),
    );
    return { lines: priced, coupon };
  };
}
