import type { Request, Response } from 'express';
import { engineProducts } from '../../application/checkout/line-prices.ts';
import {
  type CartLine,
  type CartState,
  cartDecider,
  cartStream,
  findLine,
  lineKey,
  MAX_LINE_QUANTITY,
} from '../../domain/cart/cart.ts';
import type { CartCommand } from '../../domain/cart/commands.ts';
import { available } from '../../domain/inventory/stock.ts';
import { notFound } from '../../domain/shared/errors.ts';
import { type CartItemId, type CartOwnerId, isId, type UserId } from '../../domain/shared/ids.ts';
import { cartBodySchema } from '../../infra/http/cart-schema.ts';
import { CART_TOKEN_HEADER } from '../../infra/http/cart-token.ts';
import { listPricesOnly, type PricingSource, readOnce } from '../../infra/pricing/pricing-source.ts';
import { cartBody, cartPricing } from '../cart/cart-body.ts';
import { resolveCartOwner } from '../cart/cart-owner.ts';
import { addItemSchema, cartItemParams, updateItemSchema } from '../cart/cart-schemas.ts';
import { loadProduct, loadStock, productIdOr404 } from '../catalog/lookups.ts';
import { cartVariantOf } from '../catalog/variant-lookups.ts';
import type { CommandApiContext } from '../context.ts';
import { commandMetadata, expectedRevisionFrom, setCommandHeaders } from '../request-metadata.ts';
import { type AnyRoute, type Reply, type RouteModule, route } from '../routing.ts';

/** Adjusts a cart command to the cart state it is decided on (HandleRequest.refine). */
type Refine = (command: CartCommand, cart: CartState) => Promise<CartCommand>;
type Refinable = { command: CartCommand; refine?: Refine };
type RequestPricing = { source: PricingSource; now: Date };

/** A cart item id from the client; one that is not an `item_` id is simply not in the cart (404). */
function cartItemIdOr404(value: string): CartItemId {
  if (!isId('cartItem', value)) throw notFound('Cart item', value);
  return value;
}

/**
 * The cart (API.md "Cart", customers; "Guest carts and cart lifetime": guests by X-Cart-Token): one
 * stream per owner, so another owner's item is unknown here (404, never 403). Cross-aggregate facts (the
 * product as it is now, the stock available now) are read from their own streams and passed in the
 * command; the stock aggregate alone guards stock at checkout, so these reads only keep a customer from
 * carting what cannot be bought now. Lines are priced by the pricing engine (a guest has no tier).
 */
export const cartRoutes: RouteModule = (ctx: CommandApiContext): AnyRoute[] => {
  const { handler, store, clock, config } = ctx;
  // Products and stock as the in-process views hold them (no round trip), else from their streams.
  const facts = ctx.views ?? handler;
  const rules = ctx.pricingRules ?? listPricesOnly;
  const customer = 'customer-or-guest' as const;
  /** The engine prices for a customer's tier; a guest's owner id names no customer, so no tier. */
  const pricedFor = (owner: CartOwnerId) => owner as UserId;
  /**
   * One request's pricing: its moment, and the rules and tiers read once for every pricing it does (the
   * command's, again on the state it is decided on, and the answer's).
   */
  const requestPricing = (): RequestPricing => ({ source: readOnce(rules), now: clock() });

  /**
   * Resolves the caller's cart (customer, guest, or a new guest), then decides `command` on it, as
   * `refine` adjusts it to the cart state it is decided on; `followUp` (e.g. a reprice) runs after it
   * without the If-Match check.
   */
  async function onCart(
    req: Request,
    res: Response,
    command: (owner: CartOwnerId) => CartCommand | Promise<CartCommand>,
    options: {
      status?: number;
      followUp?: (
        owner: CartOwnerId,
        decided: { events: readonly unknown[] },
      ) => Promise<Refinable | undefined>;
      refine?: Refine;
      pricing?: RequestPricing;
    } = {},
  ): Promise<Reply> {
    const { status = 200, followUp, refine, pricing = requestPricing() } = options;
    const owner = await resolveCartOwner(ctx, req);
    const userId = owner.ownerId;
    const expectedRevision = expectedRevisionFrom(req);
    let result = await handler.handle({
      decider: cartDecider,
      stream: cartStream(userId),
      command: await command(userId),
      metadata: commandMetadata(req),
      ...(refine ? { refine } : {}),
      expectedRevision,
    });
    const next = followUp ? await followUp(userId, result) : undefined;
    if (next)
      result = await handler.handle({
        decider: cartDecider,
        stream: cartStream(userId),
        command: next.command,
        metadata: commandMetadata(req),
        ...(next.refine ? { refine: next.refine } : {}),
      });
    await setCommandHeaders(res, store, result);
    // A new guest's token only once its cart exists (a first call that decided nothing made no cart).
    const headers =
      owner.issuedToken && result.revision !== undefined
        ? { [CART_TOKEN_HEADER]: owner.issuedToken }
        : undefined;
    if (status === 204) return { status, ...(headers ? { headers } : {}) };
    const priced = await cartPricing(
      { handler: facts, rules: pricing.source, now: pricing.now },
      result.state,
      pricedFor(userId),
    );
    return {
      status,
      body: cartBody(result.state, {
        taxRate: config.TAX_RATE,
        userId: pricedFor(userId),
        pricing: priced,
      }),
      ...(headers ? { headers } : {}),
    };
  }

  return [
    route({
      method: 'post',
      path: '/cart/add',
      response: { status: 200, schema: cartBodySchema },
      access: customer,
      body: addItemSchema,
      summary: "Add a product to the caller's cart (merges into its line, 1..99 per line)",
      async handle({ body, req, res }) {
        const productId = productIdOr404(body.product_id);
        const found = await loadProduct(facts, productId);
        if (!found) throw notFound('Product', productId);
        const variant = cartVariantOf(found.product, body.variant_id);
        const stock = await loadStock(facts, productId, variant?.variantId);
        const key = lineKey({ productId, variant });
        const pricing = requestPricing();
        const { source, now } = pricing;
        /** The line's price from the engine for the quantity it reaches with `held` already in the cart. */
        const priced = async (userId: CartOwnerId, held: number) => {
          const quantity = Number.isInteger(body.quantity) ? held + body.quantity : 1;
          const { products } = await engineProducts(source, {
            states: new Map([[productId, found.product]]),
            lines: [{ productId, variant, quantity: Math.min(Math.max(quantity, 1), MAX_LINE_QUANTITY) }],
            userId: pricedFor(userId),
            now,
          });
          const product = products[key];
          if (!product) throw notFound('Product', productId);
          return product;
        };
        return onCart(
          req,
          res,
          async (userId) => ({
            type: 'AddItemToCart',
            data: {
              userId,
              cartItemId: ctx.ids('cartItem') as CartItemId,
              product: await priced(userId, 0),
              available: available(stock),
              quantity: body.quantity,
              ...(body.price !== undefined ? { expectedPrice: body.price } : {}),
              now: clock().toISOString(),
            },
          }),
          {
            pricing,
            // A merge into a line may reach a quantity break: priced on the cart the add is decided on
            // (no read of its own), so a concurrent add to the same line cannot leave a stale price.
            refine: async (command, cart) => {
              const held = cart.lines.find((line) => lineKey(line) === key)?.quantity ?? 0;
              if (held === 0 || command.type !== 'AddItemToCart') return command;
              return {
                ...command,
                data: { ...command.data, product: await priced(command.data.userId, held) },
              };
            },
          },
        );
      },
    }),
    route({
      method: 'put',
      path: '/cart/update',
      response: { status: 200, schema: cartBodySchema },
      access: customer,
      body: updateItemSchema,
      summary: "Set a cart line's quantity (0 removes it)",
      async handle({ body, req, res }) {
        const cartItemId = cartItemIdOr404(body.cart_item_id);
        const pricing = requestPricing();
        let line: CartLine | undefined;
        return onCart(
          req,
          res,
          async (userId) => {
            // The stock to check is the line's product's; an unknown line is refused by the decider (404).
            const { state } = await handler.load(cartDecider, cartStream(userId));
            line = findLine(state, cartItemId);
            const availableNow = line
              ? available(await loadStock(handler, line.productId, line.variant?.variantId))
              : 0;
            return {
              type: 'ChangeCartItemQuantity',
              data: {
                userId,
                cartItemId,
                quantity: body.quantity,
                available: availableNow,
                now: clock().toISOString(),
              },
            };
          },
          {
            pricing,
            // A new quantity may cross a quantity break: when this request changed it, the line takes the
            // engine's price now, for the quantity it has in the cart the reprice is decided on (a
            // concurrent update may have set another one since; the line found by its key, as the
            // reprice applies prices).
            followUp: async (userId, decided) => {
              if (!line || body.quantity === 0 || decided.events.length === 0) return undefined;
              const { productId } = line;
              const variant = line.variant ?? null;
              const key = lineKey(line);
              const found = await loadProduct(handler, productId);
              const { source, now } = pricing;
              const priced = async (quantity: number) =>
                (
                  await engineProducts(source, {
                    states: new Map(found ? [[productId, found.product]] : []),
                    lines: [{ productId, variant, quantity }],
                    userId: pricedFor(userId),
                    now,
                  })
                ).products;
              return {
                command: {
                  type: 'RepriceCart',
                  data: { userId, products: await priced(body.quantity), now: now.toISOString() },
                },
                refine: async (command, cart) => {
                  if (command.type !== 'RepriceCart') return command;
                  const quantity = cart.lines.find((held) => lineKey(held) === key)?.quantity;
                  if (quantity === body.quantity) return command;
                  const products = quantity === undefined ? {} : await priced(quantity);
                  return { ...command, data: { ...command.data, products } };
                },
              };
            },
          },
        );
      },
    }),
    route({
      method: 'delete',
      path: '/cart/items/:cart_item_id',
      response: { status: 200, schema: cartBodySchema },
      access: customer,
      params: cartItemParams,
      summary: 'Remove a line from the cart',
      async handle({ params, req, res }) {
        const cartItemId = cartItemIdOr404(params.cart_item_id);
        return onCart(req, res, (userId) => ({
          type: 'RemoveCartItem',
          data: { userId, cartItemId, now: clock().toISOString() },
        }));
      },
    }),
    route({
      method: 'delete',
      path: '/cart',
      response: { status: 204 },
      access: customer,
      summary: 'Empty the cart',
      async handle({ req, res }) {
        return onCart(
          req,
          res,
          (userId) => ({ type: 'ClearCart', data: { userId, now: clock().toISOString() } }),
          { status: 204 },
        );
      },
    }),
  ];
};
