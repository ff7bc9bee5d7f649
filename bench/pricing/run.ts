// npm run bench:pricing — the pricing engine's cost, each figure beside its baseline in the same run:
//  1. GET /pricing/{id}/price with 1,000 active rules vs GET /products/{id} (query API): ratio ≥ 0.7;
//  2. POST /cart/add with 1,000 active rules vs without (command API, which prices every add): ratio ≥ 0.8.
// The shop runs as `npm start` runs it: bin/start.ts in a child process (shop-process.ts) with
// OpenTelemetry loaded, the composed store, the projections keeping the pricing read model, both APIs
// with auth and rate limits (out of reach), its log lines at info to a file. This process sets the shop
// up over HTTP and runs the load (autocannon). Flags: --seconds S per load run (10), --connections C (16),
// --workers N per API (1; `npm start`'s default is one per core).
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { runAddToCart } from '../commands/add-to-cart-load.ts';
import { load } from '../queries/http-load.ts';
import { reportResult } from '../result.ts';
import { startShopProcess } from './shop-process.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    workers: { type: 'string', default: '1' },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const log = (line: string) => process.stdout.write(`${line}\n`);
const r = (n: number, digits = 2) => Number(n.toFixed(digits));

async function inBatches(count: number, size: number, run: (i: number) => Promise<unknown>) {
  for (let start = 0; start < count; start += size)
    await Promise.all(Array.from({ length: Math.min(size, count - start) }, (_, k) => run(start + k)));
}

const shop = await startShopProcess('pricing', { workers: Number(values.workers) });
try {
  log(
    `bench:pricing — ${connections} connections × ${seconds} s per run, ${values.workers} process(es) per API, load ${loadavg()[0]!.toFixed(1)}`,
  );
  log(`shop log lines: ${shop.logPath}`);
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
    Array.from({ length: connections }, () => Array.from({ length: 50 }, () => shop.customerToken()));
  const addToCart = async (label: string) => {
    const cpu = await shop.cpuMs();
    const result = await runAddToCart({
      url: shop.commandUrl,
      tokensPerConnection: tokens(),
      productIds: cartProducts,
      durationSeconds: seconds,
    });
    const cpuPerRequest = ((await shop.cpuMs()) - cpu) / result.requests;
    log(
      `AddToCart, ${label}: ${r(result.perSecond, 0)}/s p50 ${result.p50} ms p99 ${result.p99} ms, shop CPU ${r(cpuPerRequest)} ms/request ${JSON.stringify(result.statusCodes)}`,
    );
    return result;
  };
  // Warm-up as long as a run (JIT, pools, the pricing source's views): the run without rules comes first,
  // and a cold shop would make it the slower side.
  await runAddToCart({
    url: shop.commandUrl,
    tokensPerConnection: tokens(),
    productIds: cartProducts,
    durationSeconds: seconds,
  });
  const withoutRules = await addToCart('no rules');

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
  const rules = await shop.activeRules(); // read with the last rule's consistency token: all applied
  log(`rules: ${rules} active`);
  const withRules = await addToCart(`${rules} rules`);

  const get = async (label: string, path: (n: number) => string) => {
    const cpu = await shop.cpuMs();
    const result = await load({
      url: shop.queryUrl,
      connections,
      seconds,
      paths: (_c, n) => `/api/v1${path(n)}`,
    });
    const cpuPerRequest = ((await shop.cpuMs()) - cpu) / result.requests;
    log(
      `${label}: ${r(result.perSecond, 0)}/s p50 ${result.p50} ms p99 ${result.p99} ms non2xx ${result.non2xx}, shop CPU ${r(cpuPerRequest)} ms/request`,
    );
    return result;
  };
  const product = await get('GET /products/{id}', () => `/products/${target}`);
  const price = await get(
    `GET /pricing/{id}/price, ${rules} rules`,
    (n) => `/pricing/${target}/price?quantity=${1 + (n % 12)}`,
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
  await shop.stop();
}
