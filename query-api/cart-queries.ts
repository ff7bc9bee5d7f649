import type { Redis } from 'ioredis';
import type { CheckpointWatcher } from '../application/projection-runner/checkpoint-watcher.ts';
import { redisPrefix } from '../application/projection-runner/types.ts';
import { type CartDoc, emptyCartDoc, type StockDoc } from '../application/read-models/cart-doc.ts';
import { cartKey, stockKey } from '../application/read-models/cart-keys.ts';
import { createProductCache } from '../application/read-models/product-cache.ts';
import type { UserId } from '../domain/shared/ids.ts';
import { lineKey } from '../domain/shared/line-key.ts';
import type { Rate } from '../domain/shared/money.ts';
import { type CartPricing, presentCart } from '../infra/http/cart-body.ts';
import { execAll } from '../infra/redis/client.ts';

/**
 * The cart read model's documents (carts, and each stock item's availability), cached in process: the cart
 * projection names every key it writes stale, and the watcher drops it before a consistency token can see
 * that position (a generation swap drops everything). A miss reads the cart in one Redis round trip and
 * its lines' missing stock documents in one pipelined round trip; a warm GET /cart reads none.
 */
export function createCartDocs(redis: Redis, watcher: CheckpointWatcher, options: { max?: number } = {}) {
  const max = options.max ?? 50_000;
  // null: the read model holds no cart for this owner (yet); its first event names the key stale.
  const carts = createProductCache<CartDoc | null>({ max });
  const stock = createProductCache<number>({ max });
  watcher.onInvalidate((projection, keys) => {
    if (projection !== 'cart') return;
    carts.invalidate(keys);
    stock.invalidate(keys);
  });
  return {
    async cart(generation: number, ownerId: string): Promise<CartDoc | null> {
      const key = cartKey(ownerId);
      const doc = await carts.get(key, async () => {
        const raw = await redis.hget(redisPrefix('cart', generation) + key, 'doc');
        return raw ? (JSON.parse(raw) as CartDoc) : null;
      });
      return doc ?? null;
    },
    /** Units available now per stock item (lineKey); 0 for one the read model does not hold. */
    async available(generation: number, items: readonly string[]): Promise<Map<string, number>> {
      const found = await stock.getMany(items.map(stockKey), async (missing) => {
        const pipeline = redis.pipeline();
        for (const key of missing) pipeline.hget(redisPrefix('cart', generation) + key, 'doc');
        const results = await execAll(pipeline);
        return new Map(
          missing.map((key, i) => {
            const raw = results[i];
            return [key, raw ? (JSON.parse(String(raw)) as StockDoc).available : 0];
          }),
        );
      });
      return new Map(items.map((item) => [item, found.get(stockKey(item)) ?? 0]));
    },
  };
}

export type CartDocs = ReturnType<typeof createCartDocs>;

/**
 * GET /cart from the cart read model (createCartDocs): the owner's cart document and its lines' stock;
 * `price` gives each line's price now (cart-pricing.ts). Totals come from the domain's `cartView`, as on
 * the command side.
 */
export function createCartQueries(deps: {
  docs: CartDocs;
  taxRate: Rate;
  price?: (doc: CartDoc) => Promise<CartPricing>;
}) {
  const { docs } = deps;
  return {
    /** Whether this (guest) cart was merged into a customer's cart at login: its token is spent. */
    async mergedAway(generation: number, ownerId: string) {
      return Boolean((await docs.cart(generation, ownerId))?.mergedInto);
    },
    async cart(generation: number, userId: UserId) {
      const doc = (await docs.cart(generation, userId)) ?? emptyCartDoc();
      const [available, pricing] = await Promise.all([
        docs.available(generation, doc.lines.map(lineKey)),
        deps.price ? deps.price(doc) : undefined,
      ]);
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
