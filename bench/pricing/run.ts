// npm run bench:pricing — the pricing engine's cost, each figure beside its baseline in the same run:
//  1. GET /pricing/{id}/price with 1,000 active rules vs GET /products/{id} (query API): ratio ≥ 0.7;
//  2. POST /cart/add with 1,000 active rules vs without (command API, which prices every add): ratio ≥ 0.8.
// The whole shop runs in this process (test/support/pricing-shop.ts), autocannon too: both sides of each
// ratio share that handicap. Flags: --seconds S per load run (10), --connections C (16).
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startPricingShop } from '../../test/support/pricing-shop.ts';
import { runAddToCart } from '../commands/add-to-cart-load.ts';
import { load } from '../queries/http-load.ts';
import { reportResult } from '../result.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '16' } },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const log = (line: string) => process.stdout.write(`${line}\n`);
const r = (n: number, digits = 2) => Number(n.toFixed(digits));

async function inBatches(count: number, size: number, run: (i: number) => Promise<unknown>) {
  for (let start = 0; start < count; start += size)
    await Promise.all(Array.from({ length: Math.min(size, count - start) }, (_, k) => run(start + k)));
}

const shop = await startPricingShop('bench_pricing');
try {
  log(`bench:pricing — ${connections} connections × ${seconds} s per run, load ${loadavg()[0]!.toFixed(1)}`);
  // The product priced, 900 others (each with a sale of its own below) in 90 categories.
  const target = await shop.product(500, 'Laptops', 1_000_000);
  const others: string[] = new Array(900);
  const addOther = async (i: number) => {
    others[i] = await shop.product(100 + i, `Category ${i % 90}`, 1_000_000);
  };
  // Each new category extends the one category tree: those one at a time, then the rest side by side.
  for (let i = 0; i < 90; i += 1) await addOther(i);
  await inBatches(810, 16, (k) => addOther(90 + k));
  const cartProducts = [target, ...others.slice(0, 49)];
  const tokens = () =>
    Array.from({ length: connections }, () =>
      Array.from({ length: 50 }, () => shop.mintCustomer().accessToken),
    );

  const withoutRules = await runAddToCart({
    url: shop.command.url,
    tokensPerConnection: tokens(),
    productIds: cartProducts,
    durationSeconds: seconds,
  });
  log(
    `AddToCart, no rules: ${r(withoutRules.perSecond, 0)}/s p50 ${withoutRules.p50} ms ${JSON.stringify(withoutRules.statusCodes)}`,
  );

  // 1,000 active rules: 900 product sales, 90 category quantity breaks, 10 for everything (tiers, breaks).
  await inBatches(900, 16, (i) =>
    shop.addRule({
      name: `Sale ${i}`,
      kind: 'sale',
      percent_off: 5 + (i % 20),
      scope: { product_id: others[i]! },
    }),
  );
  await inBatches(90, 16, (i) =>
    shop.addRule({
      name: `Break ${i}`,
      kind: 'quantity',
      percent_off: 10,
      min_quantity: 2 + (i % 5),
      scope: { category: `Category ${i}` },
    }),
  );
  await inBatches(10, 10, (i) =>
    shop.addRule(
      i < 5
        ? { name: `Tier ${i}`, kind: 'tier', percent_off: 5 + i, tier: 'silver', scope: { all: true } }
        : { name: `All ${i}`, kind: 'quantity', percent_off: i, min_quantity: i, scope: { all: true } },
    ),
  );
  await shop.settle();
  const rules = (await shop.reads(shop.adminToken).GET('/api/v1/pricing/rules')).data?.rules.length;
  log(`rules: ${rules} active`);

  const withRules = await runAddToCart({
    url: shop.command.url,
    tokensPerConnection: tokens(),
    productIds: cartProducts,
    durationSeconds: seconds,
  });
  log(
    `AddToCart, ${rules} rules: ${r(withRules.perSecond, 0)}/s p50 ${withRules.p50} ms ${JSON.stringify(withRules.statusCodes)}`,
  );

  const get = (path: (n: number) => string) =>
    load({ url: shop.query.http.url, connections, seconds, paths: (_c, n) => `/api/v1${path(n)}` });
  const product = await get(() => `/products/${target}`);
  log(`GET /products/{id}: ${r(product.perSecond, 0)}/s p50 ${product.p50} ms non2xx ${product.non2xx}`);
  const price = await get((n) => `/pricing/${target}/price?quantity=${1 + (n % 12)}`);
  log(
    `GET /pricing/{id}/price, ${rules} rules: ${r(price.perSecond, 0)}/s p50 ${price.p50} ms non2xx ${price.non2xx}`,
  );

  const summary = {
    priceVsProduct: r(price.perSecond / product.perSecond),
    addToCartWithVsWithoutRules: r(withRules.perSecond / withoutRules.perSecond),
  };
  log(`ratios: ${JSON.stringify(summary)} (targets: ≥ 0.7 and ≥ 0.8)`);
  reportResult({
    measure: `GET /pricing/{id}/price (${rules} rules) vs GET /products/{id}`,
    ours: price.perSecond,
    baseline: product.perSecond,
    unit: 'req/s',
    goal: { on: 'ratio', op: '>=', value: 0.7 },
  });
  reportResult({
    measure: `AddToCart with ${rules} rules vs without`,
    ours: withRules.perSecond,
    baseline: withoutRules.perSecond,
    unit: 'req/s',
    goal: { on: 'ratio', op: '>=', value: 0.8 },
  });
} finally {
  await shop.close();
}
