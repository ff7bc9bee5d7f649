// npm run bench:commands — AddToCart through the whole command API as production composes it
// (server.ts: OpenTelemetry, decorated store, metrics, snapshots, pricing source; HTTP with auth, rate
// limits and an Idempotency-Key on every request; product and stock reads, cart decide + append) at 32 connections, beside the event store's raw single-event append
// rate measured in the same run on the same database. Prints absolute figures and the ratio.
//
// Env: BENCH_CONNECTIONS (32), BENCH_DURATION_S (10), BENCH_RAW_DURATION_S (5), BENCH_POOL_SIZE (10),
// BENCH_USERS_PER_CONNECTION (8), BENCH_PRODUCTS (10), BENCH_CPU_PROF (a directory: profile the server),
// BENCH_WORKERS (1; above 1 the command API runs in that many node:cluster workers sharing its port, as
// `npm start` runs it with COMMAND_API_WORKERS, each with its own pool of BENCH_POOL_SIZE),
// BENCH_PRICING_READ_MODEL (1; 0 leaves out the pricing and catalog read models an add reads its rules from).
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { cpus, loadavg } from 'node:os';
import { setTimeout } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { resolveJwtKeys } from '../../infra/auth/jwt-keys.ts';
import { createTokenService } from '../../infra/auth/tokens.ts';
import { loadConfig } from '../../infra/config.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import { createRedis, deleteKeysWithPrefix } from '../../infra/redis/client.ts';
import { request } from '../../test/support/http.ts';
import { createTestDatabase, redisUrl } from '../../test/support/isolation.ts';
import { forkProduction } from '../production-process.ts';
import { reportResult } from '../result.ts';
import { runAddToCart, runGet } from './add-to-cart-load.ts';
import { measureRawAppends } from './raw-appends.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const connections = env('BENCH_CONNECTIONS', 32);
const durationSeconds = env('BENCH_DURATION_S', 10);
const rawSeconds = env('BENCH_RAW_DURATION_S', 5);
const poolSize = env('BENCH_POOL_SIZE', 10);
const workers = env('BENCH_WORKERS', 1);
const across = workers > 1 ? `, ${workers} command API processes` : '';
const usersPerConnection = env('BENCH_USERS_PER_CONNECTION', 8);
const productCount = env('BENCH_PRODUCTS', 10);
const goal = { ratio: 0.5, p99Ms: 25 };

const log = (line: string) => process.stdout.write(`${line}\n`);
const round = (n: number, digits = 1) => Number(n.toFixed(digits));

const db = await createTestDatabase('bench_commands');
const redisPrefix = `bench:commands:${randomBytes(4).toString('hex')}:`;
const jwtSecret = randomBytes(32).toString('hex');
const dataKey = randomBytes(32).toString('hex');
const admin = { email: 'bench-admin@example.com', password: 'Bench#Admin123' };
const serverEnv = {
  ...process.env,
  NODE_ENV: 'production',
  DATABASE_URL: db.url,
  REDIS_URL: redisUrl,
  BENCH_REDIS_PREFIX: redisPrefix,
  BENCH_POOL_SIZE: String(poolSize),
  JWT_SECRET: jwtSecret,
  // Production config refuses to start without a master key; the bench server stores no personal data.
  DATA_ENCRYPTION_KEY: dataKey,
  // Limits on, as in production, but out of the bench users' reach: every request pays for the counting.
  RATE_LIMIT_AUTH_PER_MIN: '1000000',
  RATE_LIMIT_CHECKOUT_PER_MIN: '1000000',
  RATE_LIMIT_GENERAL_PER_MIN: '1000000000',
  LOG_LEVEL: 'info', // production's default: a line per request, to the log file below
  BOOTSTRAP_ADMIN_EMAIL: admin.email,
  BOOTSTRAP_ADMIN_PASSWORD: admin.password,
};

let server: ChildProcess | undefined;
try {
  log(
    `bench:commands — ${connections} connections, ${durationSeconds} s AddToCart, ${rawSeconds} s raw appends, pool ${poolSize}, ${workers} command API process(es)`,
  );

  // 1. The store's raw append rate, on the benchmark's own database; measured again after the
  // AddToCart run and averaged, so a change in machine load during the run shows and evens out.
  const rawAppends = async (label: string) => {
    const store = await createPostgresEventStore({ connectionString: db.url, poolSize });
    try {
      await measureRawAppends(store, { concurrency: connections, durationMs: 1000 }); // warm-up
      const cpu = process.cpuUsage();
      const raw = await measureRawAppends(store, { concurrency: connections, durationMs: rawSeconds * 1000 });
      const used = process.cpuUsage(cpu);
      const cpuMs = (used.user + used.system) / 1000 / raw.appends;
      log(
        `raw appends (${label}): ${round(raw.perSecond, 0)}/s, p50 ${round(raw.p50, 2)} ms, p99 ${round(raw.p99, 2)} ms (${raw.appends} appends, ${round(cpuMs, 3)} ms Node CPU each)`,
      );
      return { ...raw, cpuMs };
    } finally {
      await store.close();
    }
  };
  const rawBefore = await rawAppends('before');

  // 2. The command API in its own process, on the same database.
  const serverFile = workers > 1 ? './server-workers.ts' : './server.ts';
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of the server (open it in Chrome DevTools).
  const started = forkProduction(fileURLToPath(new URL(serverFile, import.meta.url)), {
    name: 'command-api',
    profile: true,
    env: { ...serverEnv, BENCH_WORKERS: String(workers) },
  });
  server = started.child;
  log(`command API log lines: ${started.logPath}`);
  const [ready] = (await Promise.race([
    once(server, 'message'),
    once(server, 'exit').then(([code]) => Promise.reject(new Error(`bench server exited with ${code}`))),
  ])) as [{ port: number }];
  const url = `http://127.0.0.1:${ready.port}`;

  // 3. Products through the API (admin), customers' tokens minted with the server's key.
  const login = await request(`${url}/api/v1/users/login`, 'POST', { body: admin });
  if (login.status !== 200) throw new Error(`admin login: ${login.status} ${login.text}`);
  const productIds: string[] = [];
  for (let i = 0; i < productCount; i++) {
    const created = await request(`${url}/api/v1/products`, 'POST', {
      token: login.body.access_token,
      body: { name: `Bench product ${i}`, price: 19.99, category: 'Bench', initial_stock: 1_000_000 },
    });
    if (created.status !== 201) throw new Error(`create product: ${created.status} ${created.text}`);
    productIds.push(created.body.product_id);
  }
  const config = loadConfig({ JWT_SECRET: jwtSecret, DATA_ENCRYPTION_KEY: dataKey, NODE_ENV: 'production' });
  const tokens = createTokenService({ keys: resolveJwtKeys(config), clock: () => new Date() });
  const tokensPerConnection = Array.from({ length: connections }, (_, c) =>
    Array.from(
      { length: usersPerConnection },
      (_, u) => tokens.issuePair({ userId: `usr_bench${c}x${u}`, role: 'customer' }).accessToken,
    ),
  );

  // 4. Warm-up (JIT, pools, caches), then the measured run.
  await runAddToCart({ url, tokensPerConnection, productIds, durationSeconds: 3 });
  const serverStats = async () => {
    server?.send('cpu');
    const [reply] = (await once(server as NonNullable<typeof server>, 'message')) as [
      {
        cpu: NodeJS.CpuUsage;
        trips: { postgres: number; redis: number; statements: Record<string, number> };
      },
    ];
    return { cpuMs: (reply.cpu.user + reply.cpu.system) / 1000, ...reply.trips };
  };
  const serverCpu = async () => (await serverStats()).cpuMs;
  const before = await serverStats();
  const cart = await runAddToCart({ url, tokensPerConnection, productIds, durationSeconds });
  const after = await serverStats();
  const cpuBefore = before.cpuMs;
  const tripsPerRequest = {
    postgres: (after.postgres - before.postgres) / cart.requests,
    redis: (after.redis - before.redis) / cart.requests,
  };
  const cartCpuMs = (after.cpuMs - cpuBefore) / cart.requests;
  // The HTTP floor: GET /health on the same server (request id, logging, no auth, no store).
  await setTimeout(1000);
  const healthCpuBefore = await serverCpu();
  const health = await runGet({ url, path: '/health', connections, durationSeconds: 5 });
  const healthCpuMs = ((await serverCpu()) - healthCpuBefore) / health.requests;
  log(
    `GET /health: ${round(health.perSecond, 0)}/s, p50 ${health.p50} ms, p99 ${health.p99} ms, ${round(healthCpuMs, 3)} ms server CPU each`,
  );
  // autocannon drops its sockets at the end while the last requests are still being handled.
  await setTimeout(1000);
  const rawAfter = await rawAppends('after');
  const raw = {
    perSecond: (rawBefore.perSecond + rawAfter.perSecond) / 2,
    p50: (rawBefore.p50 + rawAfter.p50) / 2,
    p99: (rawBefore.p99 + rawAfter.p99) / 2,
    cpuMs: (rawBefore.cpuMs + rawAfter.cpuMs) / 2,
  };

  // 5. Every 200 appended its event: count them in the store.
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const { rows } = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM messages WHERE type = 'ItemAddedToCart'`,
  );
  await client.end();

  const ratio = cart.perSecond / raw.perSecond;
  log(
    `AddToCart:   ${round(cart.perSecond, 0)}/s, p50 ${cart.p50} ms, p99 ${cart.p99} ms (${cart.requests} requests, non-2xx ${cart.non2xx}, errors ${cart.errors}, status ${JSON.stringify(cart.statusCodes)})`,
  );
  log(
    `AddToCart server CPU: ${round(cartCpuMs, 3)} ms per request (raw append: ${round(raw.cpuMs, 3)} ms Node CPU each)`,
  );
  log(
    `AddToCart round trips per request: PostgreSQL ${round(tripsPerRequest.postgres, 2)} queries, Redis ${round(tripsPerRequest.redis, 2)} commands`,
  );
  for (const [statement, n] of Object.entries(after.statements)) {
    const perRequest = (n - (before.statements[statement] ?? 0)) / cart.requests;
    if (perRequest >= 0.05) log(`  ${round(perRequest, 2)} × ${statement}`);
  }
  log(`ItemAddedToCart events in the store (warm-up + run): ${rows[0]?.n}`);
  log(
    `ratio AddToCart / raw appends: ${round(ratio, 2)} (goal >= ${goal.ratio}) — ${ratio >= goal.ratio ? 'met' : 'NOT met'}`,
  );
  log(
    `AddToCart p99 ${cart.p99} ms (goal < ${goal.p99Ms} ms) — ${cart.p99 < goal.p99Ms ? 'met' : 'NOT met'}`,
  );
  reportResult({
    measure: `AddToCart vs raw appends, ${connections} connections${across}`,
    ours: cart.perSecond,
    baseline: raw.perSecond,
    unit: 'req/s',
    goal: { on: 'ratio', op: '>=', value: goal.ratio },
  });
  reportResult({
    measure: `AddToCart p99 vs raw append p99, ${connections} connections${across}`,
    ours: cart.p99,
    baseline: raw.p99,
    unit: 'ms',
    goal: { on: 'ours', op: '<', value: goal.p99Ms },
  });
  log(`load average (1 min) at the end: ${round(loadavg()[0] ?? 0, 2)} on ${cpus().length} cores`);
  log('');
  log('| measure | per second | p50 ms | p99 ms |');
  log('|---|---|---|---|');
  log(
    `| raw single-event appends, ${connections} concurrent, distinct streams (mean of before/after) | ${round(raw.perSecond, 0)} | ${round(raw.p50, 2)} | ${round(raw.p99, 2)} |`,
  );
  log(
    `| POST /cart/add, ${connections} connections | ${round(cart.perSecond, 0)} | ${cart.p50} | ${cart.p99} |`,
  );
  log(`| ratio AddToCart / raw | ${round(ratio, 2)} | | |`);
  log(
    `| GET /health on the same server (HTTP floor), ${connections} connections | ${round(health.perSecond, 0)} | ${health.p50} | ${health.p99} |`,
  );
  log('');
  log(
    `Node CPU per operation: AddToCart ${round(cartCpuMs, 3)} ms (server process), GET /health ${round(healthCpuMs, 3)} ms, raw append ${round(raw.cpuMs, 3)} ms.`,
  );
} finally {
  if (server?.connected) {
    server.send('stop');
    await once(server, 'exit');
  }
  const redis = createRedis({ url: redisUrl, keyPrefix: redisPrefix });
  await deleteKeysWithPrefix(redis).catch(() => 0);
  redis.disconnect();
  await db.drop();
}
