import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { type CartItemId, makeId, type ProductId } from '../shared/ids.ts';
import { parseRate } from '../shared/money.ts';
import { cartDecider, cartIdFor } from './cart.ts';
import type { CartEvent } from './events.ts';
import { cartView } from './totals.ts';

const userId = makeId('user', 'u1');
const owner = { schema_version: 1 as const, cart_id: cartIdFor(userId), user_id: userId };
const t0 = '2026-01-15T10:00:00.000Z';
const t1 = '2026-01-15T11:00:00.000Z';
const taxRate = parseRate('0.08');

const line = (n: number, unitPrice: number, quantity: number, currency = 'USD', at = t0): CartEvent => ({
  type: 'ItemAddedToCart',
  data: {
    ...owner,
    cart_item_id: makeId('cartItem', `i${n}`) as CartItemId,
    product_id: makeId('product', `p${n}`) as ProductId,
    product_name: `Product ${n}`,
    image: n === 1 ? 'p1.png' : null,
    unit_price: unitPrice,
    currency,
    quantity,
    line_quantity: quantity,
    added_at: at,
  },
});
const created: CartEvent = { type: 'CartCreated', data: { ...owner, created_at: t0 } };
const cartOf = (...events: CartEvent[]) => fold(cartDecider, [created, ...events]);

describe('cartView', () => {
  it('gives line subtotals, subtotal, tax, total and item count in minor units', () => {
    const view = cartView(cartOf(line(1, 99_999, 2), line(2, 1_999, 3, 'USD', t1)), { taxRate });
    expect(view).toEqual({
      cart_id: 'cart_u1',
      user_id: 'usr_u1',
      items: [
        {
          cart_item_id: 'item_i1',
          product_id: 'prd_p1',
          product_name: 'Product 1',
          quantity: 2,
          price: 99_999,
          subtotal: 199_998,
          image: 'p1.png',
        },
        {
          cart_item_id: 'item_i2',
          product_id: 'prd_p2',
          product_name: 'Product 2',
          quantity: 3,
          price: 1_999,
          subtotal: 5_997,
          image: null,
        },
      ],
      subtotal: 205_995,
      discount: 0,
      // 205995 × 0.08 = 16479.6 → 16480
      tax: 16_480,
      total: 222_475,
      currency: 'USD',
      item_count: 5,
      created_at: t0,
      updated_at: t1,
    });
  });

  it('rounds tax half to even, once on the subtotal', () => {
    const fivePercent = parseRate('0.05');
    // 10 × 0.05 = 0.5 → 0 (even); 30 × 0.05 = 1.5 → 2 (even)
    expect(cartView(cartOf(line(1, 10, 1)), { taxRate: fivePercent }).tax).toBe(0);
    expect(cartView(cartOf(line(1, 30, 1)), { taxRate: fivePercent }).tax).toBe(2);
    // Per line each would round down (0.5 → 0 twice); on the subtotal 20 × 0.05 = 1.
    expect(cartView(cartOf(line(1, 10, 1), line(2, 10, 1)), { taxRate: fivePercent }).tax).toBe(1);
  });

  it("takes the cart's currency from its lines", () => {
    expect(cartView(cartOf(line(1, 500, 1, 'EUR')), { taxRate }).currency).toBe('EUR');
  });

  it('shows a cart that does not exist yet as empty, with ids from its owner', () => {
    expect(cartView(cartDecider.initialState(), { taxRate, userId })).toEqual({
      cart_id: 'cart_u1',
      user_id: 'usr_u1',
      items: [],
      subtotal: 0,
      discount: 0,
      tax: 0,
      total: 0,
      currency: 'USD',
      item_count: 0,
      created_at: null,
      updated_at: null,
    });
  });

  it('shows an emptied cart with zero totals but its timestamps', () => {
    const view = cartView(
      cartOf(line(1, 500, 2), { type: 'CartCleared', data: { ...owner, cleared_at: t1 } }),
      {
        taxRate,
      },
    );
    expect(view).toMatchObject({ items: [], subtotal: 0, tax: 0, total: 0, item_count: 0, updated_at: t1 });
  });
});
