import { reviewBody, seedCategoryTree } from './catalog-seed.ts';
import { type ApiClient, ApiError, forEachConcurrently } from './client.ts';
import { productBody, type SeedUser, seedUser } from './generate.ts';
import { makeGold, SEED_COUPON, seedPricing } from './pricing-seed.ts';
import type { Rng } from './prng.ts';
import { advanceOrder, body, isCode, progressStep, rate, rngFor, tokenKeeper } from './seed-helpers.ts';
import { seedVariants, variantBodies } from './variant-seed.ts';

export type SeedOptions = {
  products: number;
  users: number;
  seed: number;
  concurrency: number;
  admin: { email: string; password: string };
  /** Names the target store in every Idempotency-Key: Redis outlives a database, and a key replayed
   * against another store would answer with the first store's ids and append nothing. */
  target: string;
  log: (line: string) => void;
};

export type SeedReport = {
  products: number;
  users: number;
  orders: number;
  ordersByStatus: Record<string, number>;
  cartsLeftOpen: number;
  cartAdds: number;
  reviews: number;
  /** A seeded customer who left a cart open (the lowest such index, so the same on every run): for trying the API. */
  demoCustomer: { email: string; password: string } | null;
  seconds: number;
  productsPerSecond: number;
};

/**
 * The demo data, through the command API's own routes (validation, deciders, the event store): products with
 * stock, users, orders (some processed, shipped, delivered or cancelled) and carts left open. Deterministic
 * per seed; every POST carries an Idempotency-Key derived from the seed, so a re-run within 24 h replays
 * instead of duplicating.
 */
export async function runSeed(client: ApiClient, options: SeedOptions): Promise<SeedReport> {
  const started = Date.now();
  const { seed, log } = options;
  const key = (what: string) => `seed-${options.target}-${seed}-${what}`;
  const admin = tokenKeeper(client, options.admin.email, options.admin.password);
  await admin();
  const categoriesCreated = await seedCategoryTree(client, await admin(), key);
  log(`categories: ${categoriesCreated} created`);

  const productIds: string[] = new Array(options.products);
  const inStock: boolean[] = new Array(options.products);
  /** The in-stock variants of a product sold per variant (a cart line names one of them). */
  const variantIds: string[][] = new Array(options.products);
  await forEachConcurrently(
    options.products,
    options.concurrency,
    async (i) => {
      const generated = productBody(rngFor(seed, 1, i), i);
      const variants = variantBodies(rngFor(seed, 4, i), i, generated);
      // A product sold per variant keeps its stock per variant only.
      const product = variants.length > 0 ? { ...generated, initial_stock: 0 } : generated;
      const res = await client.expect([201], 'POST', '/products', {
        body: product,
        token: await admin(),
        idempotencyKey: key(`product-${i}`),
      });
      productIds[i] = String(body(res).product_id);
      variantIds[i] = await seedVariants(client, await admin(), productIds[i], variants, key);
      inStock[i] = variants.length > 0 ? variantIds[i].length > 0 : product.initial_stock > 0;
    },
    (done) => log(`products: ${done}/${options.products} (${rate(done, started)}/s)`),
    progressStep(options.products, 1_000),
  );
  const productSeconds = (Date.now() - started) / 1000;
  log(`products: ${options.products} in ${productSeconds.toFixed(1)} s`);
  await seedPricing(client, await admin(), key);
  log(`pricing: a quantity break, a gold-tier discount and coupon ${SEED_COUPON}`);

  const users: { user: SeedUser; token: string; userId: string }[] = new Array(options.users);
  const usersStarted = Date.now();
  await forEachConcurrently(
    options.users,
    Math.min(options.concurrency, 4),
    async (i) => {
      const user = seedUser(rngFor(seed, 2, i), i);
      const { address: _address, ...registration } = user;
      const res = await client.send('POST', '/users/register', {
        body: registration,
        idempotencyKey: key(`user-${i}`),
      });
      if (res.status !== 201 && res.status !== 409) throw new ApiError(res.status, res.body, 'register');
      const login = await client.expect([200], 'POST', '/users/login', {
        body: { email: user.email, password: user.password },
      });
      users[i] = {
        user,
        token: String(body(login).access_token),
        userId: String((body(login).user as { user_id?: unknown } | undefined)?.user_id ?? ''),
      };
    },
    // Registration hashes a password (argon2id) and logs in: a few per second, so progress every 10 %.
    (done) => log(`users: ${done}/${options.users} (${rate(done, usersStarted)}/s)`),
    progressStep(options.users, 50),
  );
  log(`users: ${options.users} in ${((Date.now() - usersStarted) / 1000).toFixed(1)} s`);

  // Shoppers favour a few hundred products, and products come with companions bought alongside them
  // (the same position in the next category, the next product of the same category), so "popular" and
  // "frequently bought together" have something to find.
  const n = options.products;
  const favourite = (rng: Rng) => (rng.skewed(Math.min(n, 300)) * 37) % n;
  const companions = (i: number) => [(i + 1) % n, (i + 30) % n];
  const report = {
    orders: 0,
    cartsLeftOpen: 0,
    cartAdds: 0,
    reviews: 0,
    ordersByStatus: {} as Record<string, number>,
  };
  const openCarts: number[] = [];
  const count = (status: string) => {
    report.ordersByStatus[status] = (report.ordersByStatus[status] ?? 0) + 1;
  };

  async function addToCart(
    token: string,
    userIndex: number,
    step: string,
    productIndex: number,
    quantity: number,
  ) {
    if (!inStock[productIndex]) return false;
    const variants = variantIds[productIndex] ?? [];
    const variant = variants[(userIndex + step.length) % Math.max(1, variants.length)];
    try {
      await client.expect([200], 'POST', '/cart/add', {
        body: { product_id: productIds[productIndex], ...(variant ? { variant_id: variant } : {}), quantity },
        token,
        idempotencyKey: key(`cart-${userIndex}-${step}`),
      });
      report.cartAdds += 1;
      return true;
    } catch (error) {
      if (isCode(error, 'BIZ_4001')) return false; // sold out by earlier orders
      throw error;
    }
  }

  const shoppingStarted = Date.now();
  log(`orders: ${options.users} shoppers fill carts, place orders, some cancelled, processed or shipped`);
  await forEachConcurrently(
    options.users,
    options.concurrency,
    async (u) => {
      const rng = rngFor(seed, 3, u);
      const { user, token } = users[u]!;
      const orders = rng.chance(0.65) ? rng.int(1, 3) : 0;
      for (let o = 0; o < orders; o += 1) {
        const anchor = favourite(rng);
        const picks = new Set([anchor]);
        for (const c of companions(anchor)) if (rng.chance(0.5)) picks.add(c);
        if (rng.chance(0.3)) picks.add(rng.int(0, n - 1));
        const inOrder: number[] = [];
        for (const p of picks) if (await addToCart(token, u, `o${o}-${p}`, p, rng.int(1, 2))) inOrder.push(p);
        if (inOrder.length === 0) continue;
        const address = user.address;
        let placed: Record<string, unknown>;
        try {
          placed = body(
            await client.expect([201], 'POST', '/orders', {
              body: {
                shipping_address: address,
                billing_address: address,
                payment_method: { type: 'card', token: 'tok_visa' },
              },
              token,
              idempotencyKey: key(`order-${u}-${o}`),
            }),
          );
        } catch (error) {
          if (!isCode(error, 'BIZ_4001')) throw error;
          await client.expect([204], 'DELETE', '/cart', { token });
          continue;
        }
        report.orders += 1;
        const status = await advanceOrder(client, {
          orderId: String(placed.order_id),
          status: String(placed.status),
          rng,
          customer: token,
          admin: await admin(),
          key,
          tracking: () => `1Z${seed}${u}${o}${rng.int(100_000, 999_999)}`,
        });
        count(status);
        // Shoppers review most of what was delivered to them (once per product: 409 for a repeat).
        if (status === 'delivered')
          for (const p of inOrder) {
            if (!rng.chance(0.7)) continue;
            const res = await client.expect([201, 409], 'POST', `/products/${productIds[p]}/reviews`, {
              body: reviewBody(rng),
              token,
              idempotencyKey: key(`review-${u}-${o}-${p}`),
            });
            if (res.status === 201) report.reviews += 1;
          }
      }
      // About half the shoppers leave something in their cart.
      if (rng.chance(0.5)) {
        let added = 0;
        for (let c = rng.int(1, 3); c > 0; c -= 1)
          if (await addToCart(token, u, `open-${c}`, favourite(rng), rng.int(1, 3))) added += 1;
        if (added > 0) {
          report.cartsLeftOpen += 1;
          openCarts.push(u);
        }
      }
    },
    (done) => log(`orders: ${done}/${options.users} shoppers done, ${report.orders} orders placed`),
    progressStep(options.users, 50),
  );
  const seconds = (Date.now() - started) / 1000;
  log(
    `orders: ${report.orders} ${JSON.stringify(report.ordersByStatus)}; open carts: ${report.cartsLeftOpen}; reviews: ${report.reviews} ` +
      `(${((Date.now() - shoppingStarted) / 1000).toFixed(1)} s)`,
  );
  const demoShopper = openCarts.length > 0 ? users[Math.min(...openCarts)] : undefined;
  const demo = demoShopper?.user;
  // The demo shopper is gold, so the cart the README shows carries a tier price.
  if (demoShopper?.userId) await makeGold(client, await admin(), demoShopper.userId, key);
  return {
    products: options.products,
    users: options.users,
    ...report,
    demoCustomer: demo ? { email: demo.email, password: demo.password } : null,
    seconds,
    productsPerSecond: Math.round(options.products / productSeconds),
  };
}
