import { describe, expect, it } from 'vitest';
import type { UserId } from '../shared/ids.ts';
import { cartDecider } from './cart.ts';
import type { CartCommand } from './commands.ts';
import type { CartEvent } from './events.ts';

const userId = 'usr_c1' as UserId;
const now = '2026-12-05T10:00:00.000Z';
const coupon = {
  code: 'SAVE-10',
  reduction: { type: 'percent', basisPoints: 1000 },
  minSubtotal: 5_000,
} as const;
const fold = (events: CartEvent[]) => events.reduce(cartDecider.evolve, cartDecider.initialState());
const run = (commands: CartCommand[]) => {
  let state = cartDecider.initialState();
  const all: CartEvent[] = [];
  for (const command of commands) {
    const events = cartDecider.decide(command, state);
    all.push(...events);
    state = fold(all);
  }
  return { events: all, state };
};
const add: CartCommand = {
  type: 'AddItemToCart',
  data: {
    userId,
    cartItemId: 'item_1' as never,
    product: {
      productId: 'prd_1' as never,
      name: 'P',
      price: 10_000,
      currency: 'USD',
      image: null,
      discontinued: false,
    },
    available: 10,
    quantity: 1,
    now,
  },
};
const apply: CartCommand = { type: 'ApplyCartCoupon', data: { userId, coupon, now } };
const remove: CartCommand = { type: 'RemoveCartCoupon', data: { userId, now } };

describe('a coupon on the cart', () => {
  it('is kept with its terms, once, and leaves with the checkout', () => {
    const { events, state } = run([add, apply, apply]);
    expect(events.filter((e) => e.type === 'CouponAppliedToCart').map((e) => e.data)).toEqual([
      expect.objectContaining({
        code: 'SAVE-10',
        percent_off_bps: 1000,
        amount_off: null,
        min_subtotal: 5_000,
      }),
    ]);
    expect(state.coupon).toEqual(coupon);
    const checkedOut = run([add, apply, { type: 'CheckOutCart', data: { userId, now } }]);
    expect(checkedOut.state.coupon).toBeNull();
  });

  it('is refused on an empty cart with BIZ_4009', () => {
    expect(() => run([apply])).toThrowError(expect.objectContaining({ code: 'BIZ_4009' }));
  });

  it('is removed once; removing none decides nothing', () => {
    expect(run([add, remove]).events.map((e) => e.type)).toEqual(['CartCreated', 'ItemAddedToCart']);
    const { events, state } = run([add, apply, remove, remove]);
    expect(events.map((e) => e.type).slice(-2)).toEqual(['CouponAppliedToCart', 'CouponRemovedFromCart']);
    expect(state.coupon).toBeNull();
  });
});
