import { describe, expect, it } from 'vitest';
import { StateCache } from './state-cache.ts';

type Cart = { lines: { product_id: string; quantity: number }[]; coupon: { code: string } | null };

describe('state cache', () => {
  it('keeps a cached state as it was cached: whoever holds it cannot change it', () => {
    const cache = new StateCache(10);
    const state: Cart = { lines: [{ product_id: 'prd_1', quantity: 1 }], coupon: { code: 'TEN' } };
    cache.set('cart-1', { state, revision: 3n });
    const cached = cache.get<Cart>('cart-1')!;
    // Through the object given to set, and through the one get hands out, at any depth.
    expect(() => state.lines.push({ product_id: 'prd_2', quantity: 1 })).toThrow(TypeError);
    expect(() => {
      cached.state.lines[0]!.quantity = 9;
    }).toThrow(TypeError);
    expect(() => {
      cached.state.coupon!.code = 'FREE';
    }).toThrow(TypeError);
    expect(cache.get<Cart>('cart-1')).toEqual({
      state: { lines: [{ product_id: 'prd_1', quantity: 1 }], coupon: { code: 'TEN' } },
      revision: 3n,
    });
  });

  it('freezes what a newer state changed, beside the parts it shares with the one before', () => {
    const cache = new StateCache(10);
    const first: Cart = { lines: [{ product_id: 'prd_1', quantity: 1 }], coupon: null };
    cache.set('cart-1', { state: first, revision: 1n });
    const next: Cart = { ...first, lines: [...first.lines, { product_id: 'prd_2', quantity: 2 }] };
    cache.set('cart-1', { state: next, revision: 2n });
    expect(() => {
      next.lines[1]!.quantity = 5;
    }).toThrow(TypeError);
    expect(cache.get<Cart>('cart-1')?.state.lines.map((l) => l.quantity)).toEqual([1, 2]);
  });

  it('keeps the newer revision when an older one is set after it', () => {
    const cache = new StateCache(10);
    cache.set('cart-1', { state: { lines: [], coupon: null }, revision: 5n });
    cache.set('cart-1', {
      state: { lines: [{ product_id: 'prd_1', quantity: 1 }], coupon: null },
      revision: 4n,
    });
    expect(cache.get<Cart>('cart-1')).toEqual({ state: { lines: [], coupon: null }, revision: 5n });
  });
});
