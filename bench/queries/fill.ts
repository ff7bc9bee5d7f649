import { randomUUID } from 'node:crypto';
import { forEachConcurrently } from '../../bin/seed/client.ts';
import { productBody } from '../../bin/seed/generate.ts';
import { createRng } from '../../bin/seed/prng.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';

export const benchProductId = (i: number) => `prd_b${i}`;
export const benchUserId = (i: number) => `usr_b${i}`;
/** Where the baseline server (baseline-server.ts) finds the JSON the query API answered for this path (and user). */
export const baselineKey = (path: string, user?: string) => `baseline:${path}${user ? `:${user}` : ''}`;

const append = (store: EventStore, stream: string, type: string, data: Record<string, unknown>) =>
  store.appendToStream(stream, [{ id: randomUUID(), type, data }], { expectedRevision: 'any' });

/**
 * The bench catalog written as events (ProductListed, StockReceived) straight into the store, for the
 * projections to build the read models from: much faster than going through the command API, and the read
 * models are exactly what the commands would have produced. Texts come from the seed's generator.
 */
export async function appendCatalog(
  store: EventStore,
  products: number,
  concurrency = 32,
  log?: (l: string) => void,
) {
  await forEachConcurrently(
    products,
    concurrency,
    async (i) => {
      const body = productBody(createRng(1_000 + i), i);
      const id = benchProductId(i);
      await append(store, `product-${id}`, 'ProductListed', {
        schema_version: 1,
        product_id: id,
        name: body.name,
        description: body.description,
        long_description: body.long_description,
        category: body.category,
        subcategory: body.subcategory,
        brand: body.brand,
        sku: body.sku,
        images: body.images,
        specifications: body.specifications,
        price: Math.round(body.price * 100),
        currency: 'USD',
        listed_at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      });
      const stock = Math.max(body.initial_stock, 1);
      await append(store, `stock-${id}`, 'StockReceived', {
        schema_version: 1,
        product_id: id,
        quantity: stock,
        on_hand: stock,
        reserved: 0,
      });
    },
    log && ((done) => log(`  appended ${done}/${products} products`)),
    20_000,
  );
}

/** `users` carts of three lines each over the first products. */
export async function appendCarts(store: EventStore, users: number, products: number) {
  await forEachConcurrently(users, 32, async (u) => {
    const user = benchUserId(u);
    for (let line = 0; line < 3; line += 1) {
      const product = benchProductId((u * 7 + line * 13) % Math.min(products, 1_000));
      await append(store, `cart-${user}`, 'ItemAddedToCart', {
        schema_version: 1,
        cart_id: `cart_b${u}`,
        user_id: user,
        cart_item_id: `item_b${u}_${line}`,
        product_id: product,
        product_name: `Product ${product}`,
        image: null,
        unit_price: 1_999 + line * 500,
        currency: 'USD',
        quantity: line + 1,
        line_quantity: line + 1,
        added_at: new Date(Date.UTC(2026, 0, 2)).toISOString(),
      });
    }
  });
}
