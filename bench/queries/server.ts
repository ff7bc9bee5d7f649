// The query API and its baseline, in a child process of bench/queries/run.ts (so the load generator does not
// share their event loop). Env: DATABASE_URL, REDIS_URL, BENCH_REDIS_PREFIX, JWT_SECRET.
// The baseline is a bare Express app answering the same JSON from the same rows: GET /products/{id} with
// the same SQL and presenter, GET /cart with the same Redis reads; no auth, helmet, request ids, consistency.
import express from 'express';
import { pino } from 'pino';
import type { UserId } from '../../domain/shared/ids.ts';
import { parseRate } from '../../domain/shared/money.ts';
import { createAuthenticator } from '../../infra/auth/authenticator.ts';
import { createSessions } from '../../infra/auth/sessions.ts';
import { createTokenService } from '../../infra/auth/tokens.ts';
import { listen } from '../../infra/http/server.ts';
import { createPool } from '../../infra/postgres/pool.ts';
import { createRedis } from '../../infra/redis/client.ts';
import { createReadModelDb } from '../../projections/read-model-db.ts';
import { createQueryApi } from '../../query-api/app.ts';
import { createCartQueries } from '../../query-api/cart-queries.ts';
import { createCatalogQueries } from '../../query-api/catalog-queries.ts';
import { productDetail } from '../../query-api/presenters.ts';

const logger = pino({ level: 'warn' });
const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const secret = env('JWT_SECRET');
const pool = createPool({ connectionString: env('DATABASE_URL'), max: 10, applicationName: 'bench-queries' });
const db = createReadModelDb(pool, logger);
const redis = createRedis({ url: env('REDIS_URL'), keyPrefix: env('BENCH_REDIS_PREFIX') });
const clock = () => new Date();
const tokens = createTokenService({
  keys: { algorithm: 'HS256', signingKey: secret, verificationKey: secret },
  clock,
});
const sessions = createSessions({ redis, clock, refreshTtlSeconds: 3600 });
const api = await createQueryApi({
  db,
  redis,
  authenticator: createAuthenticator({ tokens, sessions }),
  logger,
  consistencyWaitMs: 2000,
});
const queryServer = await listen(api.app, { port: 0, host: '127.0.0.1', logger });

const schemas = () => ({
  catalog: `rm_catalog_g${api.watcher.state('catalog')!.generation}`,
  inventory: `rm_inventory_g${api.watcher.state('inventory')!.generation}`,
});
const catalog = createCatalogQueries(db);
const carts = createCartQueries({ redis, taxRate: parseRate('0.08') });
const baseline = express();
baseline.get('/api/v1/products/:product_id', async (req, res) => {
  const row = await catalog.product(schemas(), String(req.params.product_id));
  if (!row) return void res.status(404).json({ error: 'not found' });
  res.json(productDetail(row, await catalog.tree(schemas())));
});
baseline.get('/api/v1/cart', async (req, res) => {
  // The user id rides in a header here: the baseline verifies nothing.
  const generation = api.watcher.state('cart')!.generation;
  res.json(await carts.cart(generation, String(req.get('x-user')) as UserId));
});
const baselineServer = await listen(baseline, { port: 0, host: '127.0.0.1', logger });

process.send?.({ queryUrl: queryServer.url, baselineUrl: baselineServer.url });
process.on('message', async (message) => {
  if (message !== 'stop') return;
  await queryServer.close();
  await baselineServer.close();
  await api.close();
  await pool.end();
  redis.disconnect();
  process.exit(0);
});
