// npm run bench:catalog [-- --quick] [--products N] [--samples N]
// Listing (a root category with its descendants, sorted by rating) and search (facets, SKU lookup), one
// request at a time through the query API's full HTTP stack (bench/queries/server.ts: as production composes
// it, OpenTelemetry, rate limit), on a catalog of N products (100,000; --quick 10,000). Baseline: the same
// requests on the same catalog before its 3 variants per product and 5 reviews per product on average
// are added. The rows are written by SQL into the read model tables (bench/catalog/seed-sql.ts): a
// read-side bench. Goal: p99 with variants and reviews ≤ 1.3 × the baseline's.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ensureServing } from '../../application/projection-runner/generations.ts';
import { migrateProjections } from '../../application/projection-runner/migrate.ts';
import type { RunnerDb } from '../../application/projection-runner/types.ts';
import { createPool } from '../../infra/postgres/pool.ts';
import { catalogProjection } from '../../projections/catalog/catalog-projection.ts';
import { inventoryProjection } from '../../projections/inventory/inventory-projection.ts';
import { createReadModelDb } from '../../projections/read-model-db.ts';
import { variantsProjection } from '../../projections/variants/variants-projection.ts';
import { createTestDatabase, redisUrl } from '../../test/support/isolation.ts';
import { timeSequential } from '../queries/latency-runs.ts';
import { reportResult } from '../result.ts';
import { ROOTS, seedProducts, seedVariantsAndReviews } from './seed-sql.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    products: { type: 'string' },
    samples: { type: 'string' },
  },
});
const quick = values.quick ?? false;
const products = Number(values.products ?? (quick ? 10_000 : 100_000));
const samples = Number(values.samples ?? (quick ? 200 : 500));
const log = (line: string) => process.stdout.write(`${line}\n`);
const r = (n: number) => Number(n.toFixed(2));
const load = () => loadavg()[0]!.toFixed(2);

const SEARCHES = ['headphones', 'wireless speaker', 'stainless kettle', 'smart', 'camera', 'SKU-4242-M'];
const listingPath = (i: number) => `/products?category=dept-${i % ROOTS}&sort_by=rating&page=${1 + (i % 3)}`;
const searchPath = (i: number) => `/products/search?q=${encodeURIComponent(SEARCHES[i % SEARCHES.length]!)}`;

const logger = pino({ level: 'warn' });
const database = await createTestDatabase('bench_catalog');
const pool = createPool({ connectionString: database.url, max: 4, applicationName: 'bench-catalog' });
const db = createReadModelDb(pool, logger);
let server: ReturnType<typeof fork> | undefined;
try {
  log(`bench:catalog — ${products} products, ${samples} requests per measure, load ${load()}`);
  await migrateProjections(pool, logger);
  for (const projection of [catalogProjection, inventoryProjection, variantsProjection])
    await ensureServing(db as RunnerDb, projection);
  let t = performance.now();
  await seedProducts(db, products);
  log(`products written in ${r((performance.now() - t) / 1000)} s`);

  const secret = randomBytes(32).toString('hex');
  server = fork(fileURLToPath(new URL('../queries/server.ts', import.meta.url)), {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      BENCH_REDIS_PREFIX: `bench:catalog:${randomBytes(4).toString('hex')}:`,
      JWT_SECRET: secret,
    },
    execArgv: [
      '--import',
      'tsx',
      '--import',
      fileURLToPath(new URL('../../infra/telemetry/register.ts', import.meta.url)),
    ],
  });
  const [{ url }] = (await once(server, 'message')) as [{ url: string }];
  const get = async (path: string) => {
    const res = await fetch(`${url}/api/v1${path}`);
    if (res.status !== 200) throw new Error(`${path} → ${res.status}: ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const measure = async () => {
    for (let i = 0; i < 30; i += 1) await Promise.all([get(listingPath(i)), get(searchPath(i))]); // warm-up
    return {
      listing: await timeSequential(samples, (i) => get(listingPath(i))),
      search: await timeSequential(samples, (i) => get(searchPath(i))),
    };
  };

  const baseline = await measure();
  t = performance.now();
  await seedVariantsAndReviews(db);
  log(`variants and reviews written in ${r((performance.now() - t) / 1000)} s`);
  const ours = await measure();

  // What the two catalogs answer: the same products, now with price ranges and ratings.
  const sample = (await get(listingPath(0))) as { products: { rating: number; price_range?: unknown }[] };
  const bySku = (await get(searchPath(5))) as { results: unknown[] };
  log(
    `check: listing's first rating ${sample.products[0]?.rating}, price_range ${JSON.stringify(sample.products[0]?.price_range)}; ` +
      `search by variant SKU finds ${bySku.results.length}`,
  );
  for (const name of ['listing', 'search'] as const) {
    const [o, b] = [ours[name], baseline[name]];
    log(
      `${name}: with variants and reviews p50 ${r(o.p50)} ms p99 ${r(o.p99)} ms | without p50 ${r(b.p50)} ms p99 ${r(b.p99)} ms | ratio ${r(o.p99 / b.p99)}`,
    );
    reportResult({
      measure: `${name === 'listing' ? 'category listing by rating' : 'search'} p99, ${products} products, with vs without variants and reviews`,
      ours: o.p99,
      baseline: b.p99,
      unit: 'ms',
      goal: { on: 'ratio', op: '<=', value: 1.3 },
    });
  }
  log(JSON.stringify({ products, samples, load: loadavg(), ours, baseline }));
} finally {
  server?.send('stop');
  if (server) await once(server, 'exit').catch(() => {});
  await db.destroy().catch(() => {});
  await database.drop();
}
