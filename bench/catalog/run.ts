// npm run bench:catalog [-- --quick] [--products N] [--samples N]
// Listing (a root category with its descendants, sorted by rating) and search (facets, SKU lookup), one
// request at a time through the query API's full HTTP stack (bench/queries/server.ts: as production composes
// it, OpenTelemetry, rate limit), on a catalog of N products (100,000; --quick 10,000). Baseline: the same
// requests on a second catalog, in a database and query API process of its own, with the same products
// and no variants or reviews; the two are timed request by request, alternating (ABBA). The rows are written by SQL into the read model tables (bench/catalog/seed-sql.ts): a
// read-side bench. Goal: p99 with variants and reviews ≤ 1.3 × the baseline's.
import type { ChildProcess } from 'node:child_process';
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
import { summarise } from '../commands/latency.ts';
import { forkProduction } from '../production-process.ts';
import { reportResult } from '../result.ts';
import { analyse, ROOTS, seedProducts, seedVariantsAndReviews } from './seed-sql.ts';

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
const secret = randomBytes(32).toString('hex');
const serverPath = fileURLToPath(new URL('../queries/server.ts', import.meta.url));

type Catalog = {
  db: ReturnType<typeof createReadModelDb>;
  drop: () => Promise<void>;
  server?: ChildProcess;
  get?: (path: string) => Promise<Record<string, unknown>>;
};

/** A database of its own with the catalog's read models serving and `products` products written. */
async function openCatalog(label: string): Promise<Catalog> {
  const database = await createTestDatabase(label);
  const pool = createPool({ connectionString: database.url, max: 4, applicationName: 'bench-catalog' });
  const db = createReadModelDb(pool, logger);
  await migrateProjections(pool, logger);
  for (const projection of [catalogProjection, inventoryProjection, variantsProjection])
    await ensureServing(db as RunnerDb, projection);
  await seedProducts(db, products);
  const catalog: Catalog = { db, drop: database.drop };
  const { child: server } = forkProduction(serverPath, {
    name: `catalog-${label}`,
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      BENCH_REDIS_PREFIX: `bench:catalog:${randomBytes(4).toString('hex')}:`,
      JWT_SECRET: secret,
    },
  });
  catalog.server = server;
  const [{ url }] = (await once(server, 'message')) as [{ url: string }];
  catalog.get = async (path: string) => {
    const res = await fetch(`${url}/api/v1${path}`);
    if (res.status !== 200) throw new Error(`${path} → ${res.status}: ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  return catalog;
}

async function closeCatalog(catalog: Catalog | undefined) {
  if (!catalog) return;
  catalog.server?.send('stop');
  if (catalog.server) await once(catalog.server, 'exit').catch(() => {});
  await catalog.db.destroy().catch(() => {});
  await catalog.drop();
}

/**
 * Both catalogs answer the same requests, one request at a time, alternating which goes first (ABBA), so
 * the machine's load at any moment falls on both sides alike.
 */
async function measureSideBySide(path: (i: number) => string, ours: Catalog, baseline: Catalog) {
  const timed = async (catalog: Catalog, i: number, into: number[]) => {
    const started = performance.now();
    await catalog.get!(path(i));
    into.push(performance.now() - started);
  };
  const o: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    if (i % 2 === 0) {
      await timed(ours, i, o);
      await timed(baseline, i, b);
    } else {
      await timed(baseline, i, b);
      await timed(ours, i, o);
    }
  }
  return { ours: summarise(o), baseline: summarise(b) };
}

let baseline: Catalog | undefined;
let deep: Catalog | undefined;
try {
  log(`bench:catalog — ${products} products, ${samples} requests per measure, load ${load()}`);
  let t = performance.now();
  baseline = await openCatalog('bench_catalog_base');
  deep = await openCatalog('bench_catalog_deep');
  log(`products written twice in ${r((performance.now() - t) / 1000)} s`);
  t = performance.now();
  await seedVariantsAndReviews(deep.db);
  await analyse(baseline.db);
  log(`variants and reviews written in ${r((performance.now() - t) / 1000)} s`);
  for (const catalog of [baseline, deep])
    for (let i = 0; i < 30; i += 1)
      await Promise.all([catalog.get!(listingPath(i)), catalog.get!(searchPath(i))]); // warm-up

  // What the two catalogs answer: the same products, the deep one with price ranges and ratings.
  const sample = (await deep.get!(listingPath(0))) as {
    products: { rating: number; price_range?: unknown }[];
  };
  const bySku = (await deep.get!(searchPath(5))) as { results: unknown[] };
  log(
    `check: listing's first rating ${sample.products[0]?.rating}, price_range ${JSON.stringify(sample.products[0]?.price_range)}; ` +
      `search by variant SKU finds ${bySku.results.length}`,
  );
  const results: Record<string, unknown> = {};
  for (const [name, path] of [
    ['listing', listingPath],
    ['search', searchPath],
  ] as const) {
    const { ours: o, baseline: b } = await measureSideBySide(path, deep, baseline);
    results[name] = { ours: o, baseline: b };
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
  log(JSON.stringify({ products, samples, load: loadavg(), ...results }));
} finally {
  await closeCatalog(deep);
  await closeCatalog(baseline);
}
