import { engineProducts } from '../../application/checkout/line-prices.ts';
import type { CommandHandler } from '../../application/commands/command-handler.ts';
import type { CartState } from '../../domain/cart/cart.ts';
import { productDecider, productStream } from '../../domain/catalog/product.ts';
import type { ProductId, UserId } from '../../domain/shared/ids.ts';
import type { Rate } from '../../domain/shared/money.ts';
import { type CartPricing, presentCart } from '../../infra/http/cart-body.ts';
import type { PricingSource } from '../../infra/pricing/pricing-source.ts';

/** Each line priced by the engine now (as the cart view and checkout price it), from the products' streams. */
export async function cartPricing(
  deps: { handler: Pick<CommandHandler, 'load'>; rules: PricingSource; now: Date },
  state: Pick<CartState, 'lines' | 'coupon'>,
  userId: UserId,
): Promise<CartPricing> {
  const ids = state.lines.map((line) => line.productId);
  const loaded = await Promise.all(
    ids.map((id) => deps.handler.load(productDecider, productStream(id as ProductId))),
  );
  const { quotes } = await engineProducts(deps.rules, {
    states: new Map(ids.map((id, i) => [id, loaded[i]!.state])),
    lines: state.lines,
    userId,
    now: deps.now,
  });
  return { lines: new Map(Object.entries(quotes)), coupon: state.coupon };
}

/** API.md's cart body for a command's response, from the aggregate's state and the engine's prices now. */
export const cartBody = (
  state: CartState,
  options: { taxRate: Rate; userId: UserId; pricing?: CartPricing },
) => presentCart(state, options);
