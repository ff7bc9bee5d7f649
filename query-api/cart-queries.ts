import type { Redis } from 'ioredis';
import type { UserId } from '../domain/shared/ids.ts';
import { lineKey } from '../domain/shared/line-key.ts';
import type { Rate } from '../domain/shared/money.ts';
import { type CartPricing, presentCart } from '../infra/http/cart-body.ts';
import { type CartDoc, emptyCartDoc } from '../projections/cart/cart-doc.ts';
import { cartKey, type StockDoc, stockKey } from '../projections/cart/cart-projection.ts';
import { redisPrefix } from '../projections/runner/types.ts';

/**
 * GET /cart from the Redis read model: the user's cart document, then one pipelined read of the stock
 * documents of its lines; `price` gives each line's price now (cart-pricing.ts). Totals come from the
 * domain's `cartView`, as on the command side.
 */
export function createCartQueries(deps: {
  redis: Redis;
  taxRate: Rate;
  price?: (doc: CartDoc) => Promise<CartPricing>;
}) {
  const { redis } = deps;
  return {
    /** Whether this (guest) cart was merged into a customer's cart at login: its token is spent. */
    async mergedAway(generation: number, ownerId: string) {
      const raw = await redis.hget(redisPrefix('cart', generation) + cartKey(ownerId), 'doc');
      return raw ? Boolean((JSON.parse(raw) as CartDoc).mergedInto) : false;
    },
    async cart(generation: number, userId: UserId) {
      const prefix = redisPrefix('cart', generation);
      const raw = await redis.hget(prefix + cartKey(userId), 'doc');
      const doc: CartDoc = raw ? (JSON.parse(raw) as CartDoc) : emptyCartDoc();
      const available = new Map<string, number>();
      if (doc.lines.length > 0) {
        const pipeline = redis.pipeline();
        for (const line of doc.lines) pipeline.hget(prefix + stockKey(lineKey(line)), 'doc');
        const results = (await pipeline.exec()) ?? [];
        doc.lines.forEach((line, i) => {
          const stock = results[i]?.[1];
          available.set(lineKey(line), stock ? (JSON.parse(String(stock)) as StockDoc).available : 0);
        });
      }
      const pricing = deps.price ? await deps.price(doc) : undefined;
      // In stock means the whole line could be bought now (what checkout would reserve).
      return presentCart(doc, {
        taxRate: deps.taxRate,
        userId,
        inStock: (key, quantity) => (available.get(key) ?? 0) >= quantity,
        ...(pricing ? { pricing } : {}),
      });
    },
  };
}

export type CartQueries = ReturnType<typeof createCartQueries>;
