import { lineKey } from '../../domain/cart/cart-state.ts';
import type { CartProduct, CurrentProducts } from '../../domain/cart/commands.ts';
import { type ProductState, productForCart } from '../../domain/catalog/product.ts';
import { atLeastOneCent, type PriceQuote, priceLine } from '../../domain/pricing/price-calculation.ts';
import type { Tier } from '../../domain/pricing/tiers.ts';
import type { PricingSource } from '../../infra/pricing/pricing-source.ts';

export type QuantityLine = { productId: string; quantity: number; variant?: { variantId: string } | null };

/**
 * The line's product as the cart sells it: the product itself, or one of its variants (its base price,
 * with the variant and its adjustment; a retired variant is not for sale, as a discontinued product is).
 * Null when the product or the variant was never listed.
 */
export function sellable(
  state: ProductState | undefined,
  line: QuantityLine,
): { product: CartProduct; adjustment: number } | null {
  const product = state ? productForCart(state) : null;
  if (!product || !state || state.status === 'unlisted') return null;
  if (!line.variant) return { product, adjustment: 0 };
  const variant = state.variants?.[line.variant.variantId];
  if (!variant) return null;
  return {
    product: {
      ...product,
      discontinued: product.discontinued || variant.status === 'retired',
      variant: { variantId: variant.variantId, sku: variant.sku, options: variant.options },
    },
    adjustment: variant.priceAdjustment,
  };
}

/**
 * Each line's product as the cart should charge it now: the catalog's product with `price` replaced by
 * the engine's unit price for the line's quantity, the caller's tier and the active rules (the cart and
 * checkout compare and store this price). `quotes` keeps each line's steps for the order. Both are keyed by lineKey.
 */
export async function engineProducts(
  source: PricingSource,
  input: {
    states: ReadonlyMap<string, ProductState>;
    lines: readonly QuantityLine[];
    userId: string;
    now: Date;
  },
): Promise<{ products: CurrentProducts; quotes: Record<string, PriceQuote> }> {
  const products: Record<string, CartProduct | null> = {};
  const quotes: Record<string, PriceQuote> = {};
  const tier: Tier = input.lines.length > 0 ? await source.tierOf(input.userId) : 'none';
  await Promise.all(
    input.lines.map(async (line) => {
      const key = lineKey(line);
      const state = input.states.get(line.productId);
      const found = sellable(state, line);
      products[key] = found?.product ?? null;
      if (!found || state?.status === 'unlisted' || !state) return;
      const { product, adjustment } = found;
      const quote = await quoteFor(source, {
        product,
        category: state.details.category,
        quantity: line.quantity,
        tier,
        now: input.now,
        adjustment,
      });
      quotes[key] = quote;
      products[key] = { ...product, price: quote.unitPrice };
    }),
  );
  return { products, quotes };
}

/** One product's quote, never below one cent (atLeastOneCent). */
export async function quoteFor(
  source: PricingSource,
  input: {
    product: CartProduct;
    category: string;
    quantity: number;
    tier: Tier;
    now: Date;
    /** The variant's signed adjustment (product.variant), minor units. */
    adjustment?: number;
  },
): Promise<PriceQuote> {
  const { product, category, quantity, tier, now } = input;
  const { variant } = product;
  const { rules, categories } = await source.rulesFor({ productId: product.productId, category });
  const quote = priceLine({
    product: { productId: product.productId, category, categories, price: product.price },
    quantity,
    tier,
    rules,
    now: now.toISOString(),
    ...(variant
      ? {
          variant: {
            variantId: variant.variantId,
            label: `Variant ${variant.sku}`,
            adjustment: input.adjustment ?? 0,
          },
        }
      : {}),
  });
  return atLeastOneCent(quote, quantity);
}
