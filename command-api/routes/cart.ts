import type { Request, Response } from 'express';
import { cartDecider, cartStream, findLine, MAX_LINE_QUANTITY } from '../../domain/cart/cart.ts';
import type { CartCommand } from '../../domain/cart/commands.ts';
import { available } from '../../domain/inventory/stock.ts';
import { notFound } from '../../domain/shared/errors.ts';
import { type CartItemId, isId, type UserId } from '../../domain/shared/ids.ts';
import { listPricesOnly } from '../../infra/pricing/pricing-source.ts';
import { cartBody, cartPricing } from '../cart/cart-body.ts';
import { addItemSchema, cartItemParams, updateItemSchema } from '../cart/cart-schemas.ts';
import { loadProduct, loadStock, productIdOr404 } from '../catalog/lookups.ts';
import { engineProducts } from '../checkout/line-prices.ts';
import type { CommandApiContext } from '../context.ts';
import { commandMetadata, expectedRevisionFrom, setCommandHeaders } from '../request-metadata.ts';
import { type AnyRoute, type Reply, type RouteModule, route } from '../routing.ts';

/** A cart item id from the client; one that is not an `item_` id is simply not in the cart (404). */
function cartItemIdOr404(value: string): CartItemId {
  if (!isId('cartItem', value)) throw notFound('Cart item', value);
  return value;
}

/**
 * The cart (API.md "Cart", customers): one stream per user, so another user's item is unknown here
 * (404, never 403). Cross-aggregate facts (the product as it is now, the stock available now) are
 * read from their own streams and passed in the command; the stock aggregate alone guards stock
 * at checkout, so these reads only keep a customer from carting what cannot be bought now.
 */
export const cartRoutes: RouteModule = (ctx: CommandApiContext): AnyRoute[] => {
  const { handler, store, clock, config } = ctx;
  const rules = ctx.pricingRules ?? listPricesOnly;
  const customer = ['customer'] as const;
  const caller = (req: Request) => req.auth!.userId as UserId;

  /** Handles the command; `then` (a follow-up, e.g. a reprice) runs after it without the If-Match check. */
  async function onCart(
    req: Request,
    res: Response,
    command: CartCommand,
    status = 200,
    then?: () => Promise<CartCommand | undefined>,
  ): Promise<Reply> {
    const userId = caller(req);
    const expectedRevision = expectedRevisionFrom(req);
    let result = await handler.handle({
      decider: cartDecider,
      stream: cartStream(userId),
      command,
      metadata: commandMetadata(req),
      ...(expectedRevision !== undefined ? { expectedRevision } : {}),
    });
    const next = then ? await then() : undefined;
    if (next)
      result = await handler.handle({
        decider: cartDecider,
        stream: cartStream(userId),
        command: next,
        metadata: commandMetadata(req),
      });
    await setCommandHeaders(res, store, result);
    if (status === 204) return { status };
    const pricing = await cartPricing({ handler, rules, now: clock() }, result.state, userId);
    return { status, body: cartBody(result.state, { taxRate: config.TAX_RATE, userId, pricing }) };
  }

  return [
    route({
      method: 'post',
      path: '/cart/add',
      access: customer,
      body: addItemSchema,
      summary: "Add a product to the caller's cart (merges into its line, 1..99 per line)",
      async handle({ body, req, res }) {
        const productId = productIdOr404(body.product_id);
        const [found, stock, { state: cart }] = await Promise.all([
          loadProduct(handler, productId),
          loadStock(handler, productId),
          handler.load(cartDecider, cartStream(caller(req))),
        ]);
        if (!found) throw notFound('Product', productId);
        // Priced by the engine for the line's quantity after this add (a merge may reach a quantity break).
        const held = cart.lines.find((line) => line.productId === productId)?.quantity ?? 0;
        const quantity = Number.isInteger(body.quantity) ? held + body.quantity : 1;
        const { products } = await engineProducts(rules, {
          states: new Map([[productId, found.product]]),
          lines: [{ productId, quantity: Math.min(Math.max(quantity, 1), MAX_LINE_QUANTITY) }],
          userId: caller(req),
          now: clock(),
        });
        const product = products[productId];
        if (!product) throw notFound('Product', productId);
        return onCart(req, res, {
          type: 'AddItemToCart',
          data: {
            userId: caller(req),
            cartItemId: ctx.ids('cartItem') as CartItemId,
            product,
            available: available(stock),
            quantity: body.quantity,
            ...(body.price !== undefined ? { expectedPrice: body.price } : {}),
            now: clock().toISOString(),
          },
        });
      },
    }),
    route({
      method: 'put',
      path: '/cart/update',
      access: customer,
      body: updateItemSchema,
      summary: "Set a cart line's quantity (0 removes it)",
      async handle({ body, req, res }) {
        const cartItemId = cartItemIdOr404(body.cart_item_id);
        // The stock to check is the line's product's; an unknown line is refused by the decider (404).
        const { state } = await handler.load(cartDecider, cartStream(caller(req)));
        const line = findLine(state, cartItemId);
        const availableNow = line ? available(await loadStock(handler, line.productId)) : 0;
        const changed = {
          type: 'ChangeCartItemQuantity',
          data: {
            userId: caller(req),
            cartItemId,
            quantity: body.quantity,
            available: availableNow,
            now: clock().toISOString(),
          },
        } as const;
        if (!line || body.quantity === 0 || body.quantity === line.quantity) return onCart(req, res, changed);
        // A new quantity may cross a quantity break: the line then takes the engine's price for it now.
        return onCart(req, res, changed, 200, async () => {
          const found = await loadProduct(handler, line.productId);
          const { products } = await engineProducts(rules, {
            states: new Map(found ? [[line.productId, found.product]] : []),
            lines: [{ productId: line.productId, quantity: body.quantity }],
            userId: caller(req),
            now: clock(),
          });
          return { type: 'RepriceCart', data: { userId: caller(req), products, now: clock().toISOString() } };
        });
      },
    }),
    route({
      method: 'delete',
      path: '/cart/items/:cart_item_id',
      access: customer,
      params: cartItemParams,
      summary: 'Remove a line from the cart',
      async handle({ params, req, res }) {
        return onCart(req, res, {
          type: 'RemoveCartItem',
          data: {
            userId: caller(req),
            cartItemId: cartItemIdOr404(params.cart_item_id),
            now: clock().toISOString(),
          },
        });
      },
    }),
    route({
      method: 'delete',
      path: '/cart',
      access: customer,
      summary: 'Empty the cart',
      async handle({ req, res }) {
        return onCart(
          req,
          res,
          { type: 'ClearCart', data: { userId: caller(req), now: clock().toISOString() } },
          204,
        );
      },
    }),
  ];
};
