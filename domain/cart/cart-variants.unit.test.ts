import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { ErrorCode } from '../shared/errors.ts';
import { makeId } from '../shared/ids.ts';
import { cartDecider, lineKey } from './cart.ts';
import type { CartCommand, CartProduct } from './commands.ts';
import { type CartEvent, cartEventSchemas } from './events.ts';

const userId = makeId('user', 'u1');
const now = '2026-01-15T10:00:00.000Z';
const tee: CartProduct = {
  productId: makeId('product', 'tee'),
  name: 'Tee',
  price: 2_000,
  currency: 'USD',
  image: null,
  discontinued: false,
};
const medium: CartProduct = {
  ...tee,
  price: 2_500,
  variant: { variantId: makeId('variant', 'm'), sku: 'TEE-M', options: { size: 'M' } },
};
const large: CartProduct = {
  ...tee,
  variant: { variantId: makeId('variant', 'l'), sku: 'TEE-L', options: { size: 'L' } },
};

const add = (product: CartProduct, quantity: number, id: string, available = 50): CartCommand => ({
  type: 'AddItemToCart',
  data: {
    userId,
    cartItemId: makeId('cartItem', id),
    product,
    available,
    quantity,
    now,
  },
});

function run(commands: CartCommand[]) {
  const events: CartEvent[] = [];
  for (const command of commands) events.push(...cartDecider.decide(command, fold(cartDecider, events)));
  return { events, state: fold(cartDecider, events) };
}

describe('cart lines per (product, variant)', () => {
  it('adds a variant as a v2 ItemAddedToCart naming variant_id, sku and options', () => {
    const { events, state } = run([add(medium, 2, 'i1')]);
    const added = events.find((event) => event.type === 'ItemAddedToCart');
    expect(added?.data).toMatchObject({
      schema_version: 2,
      variant_id: medium.variant?.variantId,
      sku: 'TEE-M',
      variant_options: { size: 'M' },
      unit_price: 2_500,
      line_quantity: 2,
    });
    expect(cartEventSchemas.ItemAddedToCart.parse(added?.data)).toEqual(added?.data);
    expect(state.lines).toEqual([expect.objectContaining({ variant: medium.variant, quantity: 2 })]);
  });

  it('keeps two variants of one product on two lines, and merges the same variant into its line', () => {
    const { state } = run([add(medium, 1, 'i1'), add(large, 1, 'i2'), add(medium, 3, 'i3')]);
    expect(state.lines.map((line) => [line.cartItemId, lineKey(line), line.quantity])).toEqual([
      [makeId('cartItem', 'i1'), `${tee.productId}~${medium.variant?.variantId}`, 4],
      [makeId('cartItem', 'i2'), `${tee.productId}~${large.variant?.variantId}`, 1],
    ]);
  });

  it("checks the variant's own stock against its line only", () => {
    const { events } = run([add(medium, 3, 'i1')]);
    expect(() => cartDecider.decide(add(medium, 2, 'i2', 4), fold(cartDecider, events))).toThrow(
      expect.objectContaining({ code: ErrorCode.InsufficientStock }),
    );
    expect(cartDecider.decide(add(large, 4, 'i2', 4), fold(cartDecider, events))).toHaveLength(1);
  });

  it('still writes v1 without variant fields for a product without variants', () => {
    const { events, state } = run([add(tee, 1, 'i1')]);
    const added = events.find((event) => event.type === 'ItemAddedToCart');
    expect(added?.data.schema_version).toBe(1);
    expect(added?.data).not.toHaveProperty('variant_id');
    expect(state.lines[0]?.variant).toBeUndefined();
    expect(lineKey(state.lines[0]!)).toBe(tee.productId);
  });
});

describe('a guest cart with variants merged at login', () => {
  const guestId = makeId('guest', 'g1');
  it('closes with v2 items naming the variant, and merges each variant onto its own line', () => {
    const guest: CartEvent[] = [];
    for (const command of [add(medium, 2, 'g1'), add(large, 1, 'g2')])
      guest.push(
        ...cartDecider.decide(
          { ...command, data: { ...command.data, userId: guestId } } as CartCommand,
          fold(cartDecider, guest),
        ),
      );
    const [closed] = cartDecider.decide(
      { type: 'CloseGuestCart', data: { userId: guestId, intoUserId: userId, now } },
      fold(cartDecider, guest),
    );
    expect(closed?.type === 'GuestCartMerged' && closed.data).toMatchObject({
      schema_version: 2,
      items: [
        { variant_id: medium.variant?.variantId, quantity: 2 },
        { variant_id: large.variant?.variantId, quantity: 1 },
      ],
    });
    const { events: own } = run([add(medium, 1, 'i1')]);
    const merged = cartDecider.decide(
      {
        type: 'MergeGuestLines',
        data: {
          userId,
          guestCartId: makeId('cart', 'g1'),
          lines: [
            { product: medium, quantity: 2, cartItemId: makeId('cartItem', 'n1') },
            { product: large, quantity: 1, cartItemId: makeId('cartItem', 'n2') },
          ],
          now,
        },
      },
      fold(cartDecider, own),
    );
    expect(merged[0]?.data.schema_version).toBe(2);
    const state = fold(cartDecider, [...own, ...merged]);
    expect(state.lines.map((line) => [line.variant?.sku, line.quantity])).toEqual([
      ['TEE-M', 3],
      ['TEE-L', 1],
    ]);
  });
});
