import type { Redis } from 'ioredis';
import { type CartState, initialState } from '../domain/cart/cart.ts';
import type { UserId } from '../domain/shared/ids.ts';
import type { Rate } from '../domain/shared/money.ts';
import { presentCart } from '../infra/http/cart-body.ts';
import { cartKey, type StockDoc, stockKey } from '../projections/cart/cart-projection.ts';
import { redisPrefix } from '../projections/runner/types.ts';

/**
 * GET /cart from the Redis read model: the user's folded cart, then one pipelined read of the stock
 * documents of its lines. Totals come from the domain's `cartView`, as on the command side.
 */
export function createCartQueries(deps: { redis: Redis; taxRate: Rate }) {
  const { redis } = deps;
  return {
    /** Whether this (guest) cart was merged into a customer's cart at login: its token is spent. */
    async mergedAway(generation: number, ownerId: string) {
      const raw = await redis.hget(redisPrefix('cart', generation) + cartKey(ownerId), 'doc');
      return raw ? Boolean((JSON.parse(raw) as CartState).mergedInto) : false;
    },
    async cart(generation: number, userId: UserId) {
      const prefix = redisPrefix('cart', generation);
      const raw = await redis.hget(prefix + cartKey(userId), 'doc');
      const state: CartState = raw ? (JSON.parse(raw) as CartState) : initialState();
      const available = new Map<string, number>();
      if (state.lines.length > 0) {
        const pipeline = redis.pipeline();
        for (const line of state.lines) pipeline.hget(prefix + stockKey(line.productId), 'doc');
        const results = (await pipeline.exec()) ?? [];
        state.lines.forEach((line, i) => {
          const doc = results[i]?.[1];
          available.set(line.productId, doc ? (JSON.parse(String(doc)) as StockDoc).available : 0);
        });
      }
      // In stock means the whole line could be bought now (what checkout would reserve).
      return presentCart(state, {
        taxRate: deps.taxRate,
        userId,
        inStock: (productId, quantity) => (available.get(productId) ?? 0) >= quantity,
      });
    },
  };
}

export type CartQueries = ReturnType<typeof createCartQueries>;
