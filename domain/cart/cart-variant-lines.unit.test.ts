import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { makeId } from '../shared/ids.ts';
import { cartDecider, lineKey } from './cart.ts';
import type { CartCommand, CartProduct } from './commands.ts';
import { type CartEvent, cartEventSchemas } from './events.ts';

// Every cart event that names a line names its variant too (v2), so a consumer can tell two variant
// lines of one product apart; a line without a variant keeps the v1 shape.
const userId = makeId('user', 'u1');
const now = '2026-01-15T10:00:00.000Z';
const later = '2026-03-15T10:00:00.000Z';
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
  variant: { variantId: makeId('variant', 'm'), sku: 'TEE-M', options: { size: 'M' } },
};
const large: CartProduct = {
  ...tee,
  price: 2_200,
  variant: { variantId: makeId('variant', 'l'), sku: 'TEE-L', options: { size: 'L' } },
};
const mug: CartProduct = { ...tee, productId: makeId('product', 'mug'), name: 'Mug', price: 900 };
const item = (id: string) => makeId('cartItem', id);

const add = (product: CartProduct, quantity: number, id: string): CartCommand => ({
  type: 'AddItemToCart',
  data: { userId, cartItemId: item(id), product, available: 50, quantity, now },
});

function run(commands: CartCommand[], history: CartEvent[] = []) {
  const events: CartEvent[] = [];
  for (const command of commands)
    events.push(...cartDecider.decide(command, fold(cartDecider, [...history, ...events])));
  return { events, state: fold(cartDecider, [...history, ...events]) };
}
const valid = (event: CartEvent) => {
  expect(cartEventSchemas[event.type].parse(event.data)).toEqual(event.data);
  return event.data;
};
const withTwoVariants = run([add(medium, 1, 'm'), add(large, 2, 'l'), add(mug, 1, 'g')]).events;

describe('cart events naming a variant line', () => {
  it('removes one variant line as a v2 CartItemRemoved naming it, leaving its sibling', () => {
    const { events, state } = run(
      [{ type: 'RemoveCartItem', data: { userId, cartItemId: item('m'), now } }],
      withTwoVariants,
    );
    expect(events.map(valid)).toEqual([
      expect.objectContaining({ schema_version: 2, variant_id: medium.variant?.variantId, sku: 'TEE-M' }),
    ]);
    expect(state.lines.map(lineKey)).toEqual([`${tee.productId}~${large.variant?.variantId}`, mug.productId]);
  });

  it('names the variant when a quantity goes to 0 or changes', () => {
    const change = (quantity: number): CartCommand => ({
      type: 'ChangeCartItemQuantity',
      data: { userId, cartItemId: item('l'), quantity, available: 50, now },
    });
    const { events, state } = run([change(5), change(0)], withTwoVariants);
    expect(events.map((e) => [e.type, valid(e)])).toEqual([
      ['CartItemQuantityChanged', expect.objectContaining({ schema_version: 2, sku: 'TEE-L', quantity: 5 })],
      [
        'CartItemRemoved',
        expect.objectContaining({ schema_version: 2, variant_id: large.variant?.variantId }),
      ],
    ]);
    expect(state.lines.map((line) => line.variant?.sku ?? line.productId)).toEqual(['TEE-M', mug.productId]);
  });

  it('checks out and expires with each item naming its variant, and the plain line without', () => {
    const checkedOut = run([{ type: 'CheckOutCart', data: { userId, now } }], withTwoVariants).events;
    const expired = run(
      [{ type: 'ExpireCart', data: { userId, idleMs: 1_000, now: later } }],
      withTwoVariants,
    ).events;
    for (const [event] of [checkedOut, expired]) {
      const data = valid(event!) as { schema_version: number; items: Record<string, unknown>[] };
      expect(data.schema_version).toBe(2);
      expect(data.items.map((i) => [i.variant_id ?? null, i.sku ?? null])).toEqual([
        [medium.variant?.variantId, 'TEE-M'],
        [large.variant?.variantId, 'TEE-L'],
        [null, null],
      ]);
      expect(data.items[2]).not.toHaveProperty('variant_id');
    }
    expect(checkedOut[0]?.type === 'CartCheckedOut' && checkedOut[0].data.items[1]?.variant_options).toEqual({
      size: 'L',
    });
  });

  it('reprices each variant line on its own, naming it', () => {
    const products = {
      [lineKey(medium)]: { ...medium, price: 3_000 },
      [lineKey(large)]: { ...large, price: 3_300 },
      [lineKey(mug)]: mug,
    };
    const { events, state } = run(
      [{ type: 'RepriceCart', data: { userId, products, now } }],
      withTwoVariants,
    );
    expect(events.map((e) => valid(e))).toEqual([
      expect.objectContaining({ cart_item_id: item('m'), sku: 'TEE-M', unit_price: 3_000 }),
      expect.objectContaining({ cart_item_id: item('l'), sku: 'TEE-L', unit_price: 3_300 }),
    ]);
    expect(state.lines.map((line) => line.unitPrice)).toEqual([3_000, 3_300, 900]);
  });

  it('keeps writing v1 without variant fields for a cart of products without variants', () => {
    const history = run([add(mug, 2, 'g')]).events;
    const { events } = run(
      [
        {
          type: 'ChangeCartItemQuantity',
          data: { userId, cartItemId: item('g'), quantity: 3, available: 9, now },
        },
        { type: 'CheckOutCart', data: { userId, now } },
      ],
      history,
    );
    for (const event of events) {
      expect(event.data.schema_version).toBe(1);
      expect(JSON.stringify(event.data)).not.toMatch(/variant_id|sku/);
    }
  });
});
