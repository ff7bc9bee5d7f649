import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address, type CheckoutWorld, eventually } from '../../application/checkout/test-support.ts';
import { cartDecider, cartStream } from '../../domain/cart/cart.ts';
import type { CartProduct } from '../../domain/cart/commands.ts';
import { productDecider, productStream } from '../../domain/catalog/product.ts';
import { reservationStatus, stockDecider, stockStream } from '../../domain/inventory/stock.ts';
import { makeId, type ProductId, type UserId, type VariantId } from '../../domain/shared/ids.ts';
import { answer, commandClient } from '../../test/api-client/clients.ts';
import type { TestServer } from '../../test/support/http.ts';
import { startCheckoutHttp } from './checkout-http.test-support.ts';

/**
 * Issue 14's acceptance over HTTP: a variant's stock is its own stream, so buyers of one variant race only
 * for it; 200 concurrent checkouts of a 50-unit variant reserve exactly 50 while its sibling is untouched.
 */
describe('checkout of a product sold per variant', () => {
  const BUYERS = 200;
  const UNITS = 50;
  let served: Awaited<ReturnType<typeof startCheckoutHttp>>;
  let world: CheckoutWorld;
  let http: TestServer;
  let token: (userId: string) => string;
  beforeAll(async () => {
    served = await startCheckoutHttp('checkout_variants');
    ({ world, http, token } = served);
  }, 60_000);
  afterAll(async () => {
    await served?.close();
  });

  // Through the client generated from docs/openapi/command-api.json; every answer is checked against its
  // route's declared schema (test/api-client/response-check.ts).
  const as = (userId: string) => commandClient(http.url, token(userId));
  const reserve = (userId: string) => answer(as(userId).POST('/api/v1/checkout/reservations'));
  const now = () => world.clock().toISOString();
  const metadata = { correlation_id: 'test' };

  /** A tee at 20.00 in M (+5.00) and L, each with its own stock. */
  async function tee(stock: { m: number; l: number }) {
    const productId = world.newProduct();
    const product = (command: Parameters<typeof productDecider.decide>[0]) =>
      world.handler.handle({ decider: productDecider, stream: productStream(productId), metadata, command });
    await product({
      type: 'ListProduct',
      data: { productId, name: 'Tee', price: 2_000, category: 'Test', now: now() },
    });
    const variants = {
      m: makeId('variant', `m${productId.slice(4)}`),
      l: makeId('variant', `l${productId.slice(4)}`),
    };
    for (const [size, variantId] of Object.entries(variants) as ['m' | 'l', VariantId][]) {
      await product({
        type: 'AddVariant',
        data: {
          productId,
          variantId,
          sku: `TEE-${size}-${productId.slice(4)}`,
          options: { size },
          priceAdjustment: size === 'm' ? 500 : 0,
          now: now(),
        },
      });
      await world.handler.handle({
        decider: stockDecider,
        stream: stockStream(productId, variantId),
        metadata,
        command: { type: 'ReceiveStock', data: { productId, variantId, quantity: stock[size] } },
      });
    }
    return { productId, ...variants };
  }

  async function cartVariant(userId: UserId, productId: ProductId, variantId: VariantId, size: string) {
    const product: CartProduct = {
      productId,
      name: 'Tee',
      price: size === 'm' ? 2_500 : 2_000,
      currency: 'USD',
      image: null,
      discontinued: false,
      variant: { variantId, sku: `TEE-${size}-${productId.slice(4)}`, options: { size } },
    };
    await world.handler.handle({
      decider: cartDecider,
      stream: cartStream(userId),
      metadata,
      command: {
        type: 'AddItemToCart',
        data: {
          userId,
          cartItemId: makeId('cartItem', world.newUser().slice(4)),
          product,
          available: 1_000,
          quantity: 1,
          now: now(),
        },
      },
    });
  }

  const stockOf = async (productId: ProductId, variantId: VariantId) =>
    (await world.handler.load(stockDecider, stockStream(productId, variantId))).state;

  it(`${BUYERS} concurrent buyers of a ${UNITS}-unit variant: ${UNITS} reserved, none oversold, sibling untouched`, async () => {
    const { productId, m, l } = await tee({ m: UNITS, l: 30 });
    const buyers = Array.from({ length: BUYERS }, () => world.newUser());
    for (const buyer of buyers) await cartVariant(buyer, productId, m, 'm');
    const siblingBefore = await world.readAllOf(`stock-${productId}~${l}`);

    const answers = await Promise.all(buyers.map((buyer) => reserve(buyer)));

    const reserved = answers.filter((reply) => reply.status === 201);
    const refused = answers.filter((reply) => reply.status !== 201);
    expect(reserved).toHaveLength(UNITS);
    expect(new Set(refused.map((reply) => `${reply.status} ${reply.body?.error?.code}`))).toEqual(
      new Set(['409 BIZ_4001']),
    );
    expect(reserved[0]?.body.items).toEqual([{ product_id: productId, variant_id: m, quantity: 1 }]);
    const stock = await stockOf(productId, m);
    expect({ onHand: stock.onHand, reserved: stock.reserved }).toEqual({ onHand: UNITS, reserved: UNITS });
    expect(await world.readAllOf(`stock-${productId}~${l}`)).toEqual(siblingBefore);
    expect((await stockOf(productId, l)).reserved).toBe(0);
    // Nothing was reserved on a product-level stream: the product has none.
    expect(await world.readAllOf(`stock-${productId}`)).toEqual([]);
  });

  it('places an order on a variant reservation: the line names the variant, priced with its adjustment', async () => {
    const { productId, l, m } = await tee({ m: 5, l: 5 });
    const buyer = world.newUser();
    await cartVariant(buyer, productId, m, 'm');
    await cartVariant(buyer, productId, l, 'l');
    const reservation = await reserve(buyer);
    expect(reservation.status).toBe(201);
    const placed = await answer(
      as(buyer).POST('/api/v1/orders', {
        body: {
          reservation_id: reservation.body.reservation_id,
          shipping_address: address,
          billing_address: address,
          payment_method: { type: 'card', token: 'tok_visa' },
        },
      }),
    );
    expect(placed.status, placed.text).toBe(201);
    const lines = placed.body.items.map((item) => [item.variant_id, item.sku, item.unit_price]);
    expect(lines).toEqual(
      expect.arrayContaining([
        [m, `TEE-m-${productId.slice(4)}`, 25],
        [l, `TEE-l-${productId.slice(4)}`, 20],
      ]),
    );
    const events = await world.readAllOf(`order-${placed.body.order_id}`);
    expect(events.find((event) => event.type === 'OrderPlaced')?.data).toMatchObject({ schema_version: 3 });
    // Paid: each variant's reservation is committed on its own stream (stock leaves on hand).
    const reservationId = reservation.body.reservation_id;
    await eventually(async () => {
      for (const variantId of [m, l])
        expect(reservationStatus(await stockOf(productId, variantId), reservationId)).toBe('committed');
    });
    expect((await stockOf(productId, m)).onHand).toBe(4);
  });
});
