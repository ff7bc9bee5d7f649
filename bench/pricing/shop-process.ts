import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout } from 'node:timers/promises';
import { resolveJwtKeys } from '../../infra/auth/jwt-keys.ts';
import { createTokenService } from '../../infra/auth/tokens.ts';
import { loadConfig } from '../../infra/config.ts';
import { createRedis, deleteKeysWithPrefix } from '../../infra/redis/client.ts';
import { request } from '../../test/support/http.ts';
import { createTestDatabase, redisUrl } from '../../test/support/isolation.ts';
import { freePort, repoRoot } from '../../test/support/shop-process.ts';
import { forkProduction } from '../production-process.ts';

const ok = async (what: string, response: Promise<{ status: number; text: string; body: unknown }>) => {
  const answered = await response;
  if (answered.status >= 300) throw new Error(`${what}: ${answered.status} ${answered.text}`);
  return answered.body as Record<string, unknown>;
};

/**
 * `bin/start.ts` in a child process, as `npm start` runs it (OpenTelemetry loaded, TypeScript through tsx,
 * BENCH_CPU_PROF=<dir> for a CPU profile of it): the command API, the query API and the projections, on a
 * database and a Redis prefix of its own, with a bootstrap admin, production's config (a master key, rate
 * limits on but out of the bench's reach) and its log lines at info to a file. What a bench needs of it,
 * over HTTP: the admin's catalog and pricing commands, customers' tokens (minted with the shop's key), and
 * the shop's CPU time (process_cpu_seconds_total of /metrics, summed over its API workers).
 */
export async function startShopProcess(label: string, options: { workers: number }) {
  const db = await createTestDatabase(`bench_${label}`);
  const redisPrefix = `bench:${label}:${randomBytes(4).toString('hex')}:`;
  const jwtSecret = randomBytes(32).toString('hex');
  const dataKey = randomBytes(32).toString('hex');
  const admin = { email: `bench-${label}-admin@example.com`, password: 'Bench#Admin123' };
  const ports = { command: await freePort(), query: await freePort(), health: await freePort() };
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    ROLES: 'command-api,query-api,projections',
    COMMAND_API_WORKERS: String(options.workers),
    QUERY_API_WORKERS: String(options.workers),
    HOST: '127.0.0.1',
    COMMAND_API_PORT: String(ports.command),
    QUERY_API_PORT: String(ports.query),
    HEALTH_PORT: String(ports.health),
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: redisPrefix,
    JWT_SECRET: jwtSecret,
    DATA_ENCRYPTION_KEY: dataKey,
    BOOTSTRAP_ADMIN_EMAIL: admin.email,
    BOOTSTRAP_ADMIN_PASSWORD: admin.password,
    // Limits on, as in production, out of the bench's reach: every request still pays for the counting.
    RATE_LIMIT_AUTH_PER_MIN: '1000000',
    RATE_LIMIT_CHECKOUT_PER_MIN: '1000000',
    RATE_LIMIT_GENERAL_PER_MIN: '1000000000',
    RATE_LIMIT_QUERY_PER_MIN: '1000000000',
    LOG_LEVEL: 'info',
  };
  const { child, logPath } = forkProduction(`${repoRoot}bin/start.ts`, {
    name: `${label}-shop`,
    cwd: repoRoot,
    env,
    profile: true,
  });
  // A spawn that fails emits 'error', not 'exit': the wait for /health below gives up at its deadline.
  const exited = once(child, 'exit').catch(() => undefined);
  const commandUrl = `http://127.0.0.1:${ports.command}`;
  const queryUrl = `http://127.0.0.1:${ports.query}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    const redis = createRedis({ url: redisUrl, keyPrefix: redisPrefix });
    await deleteKeysWithPrefix(redis).catch(() => 0);
    redis.disconnect();
    await db.drop();
  };
  const upBy = Date.now() + 120_000;
  let adminToken: string;
  try {
    for (let up = false; !up; ) {
      if (child.exitCode !== null) throw new Error(`bin/start exited with ${child.exitCode}; see ${logPath}`);
      if (Date.now() > upBy) throw new Error(`bin/start did not answer /health in 2 minutes; see ${logPath}`);
      const answers = await Promise.all(
        [commandUrl, queryUrl].map((url) =>
          fetch(`${url}/health`).then(
            (r) => r.ok,
            () => false,
          ),
        ),
      );
      up = answers.every(Boolean);
      if (!up) await setTimeout(200);
    }
    const login = await ok(
      'admin login',
      request(`${commandUrl}/api/v1/users/login`, 'POST', { body: admin }),
    );
    adminToken = String(login.access_token);
  } catch (error) {
    await stop(); // not left running, holding its ports and database
    throw error;
  }

  // The newest consistency token an admin command answered: a read sent with it sees every command so far.
  let consistency = '';
  const command = async (what: string, path: string, body: unknown) => {
    const response = await request(`${commandUrl}/api/v1${path}`, 'POST', { token: adminToken, body });
    if (response.status >= 300) throw new Error(`${what}: ${response.status} ${response.text}`);
    consistency = response.headers.get('x-consistency-token') ?? consistency;
    return response.body as Record<string, unknown>;
  };
  const tokens = createTokenService({
    keys: resolveJwtKeys(
      loadConfig({ JWT_SECRET: jwtSecret, DATA_ENCRYPTION_KEY: dataKey, NODE_ENV: 'production' }),
    ),
    clock: () => new Date(),
  });
  const cpuLine = /^process_cpu_seconds_total(?:\{[^}]*\})? ([0-9.e+-]+)$/m;
  return {
    commandUrl,
    queryUrl,
    logPath,
    async product(price: number, category: string, stock: number): Promise<string> {
      const created = await command('create product', '/products', {
        name: `P ${price}`,
        price,
        category,
        initial_stock: stock,
      });
      return String(created.product_id);
    },
    addRule: (body: Record<string, unknown>) => command('add rule', '/pricing/rules', body),
    /** The active rules' count, read with the last command's consistency token (so after all of them). */
    async activeRules(): Promise<number> {
      const rules = await ok(
        'list rules',
        request(`${queryUrl}/api/v1/pricing/rules`, 'GET', {
          token: adminToken,
          headers: { 'x-consistency-token': consistency },
        }),
      );
      return (rules.rules as unknown[]).length;
    },
    /** A customer's access token (a fresh user id each time: many shoppers at once). */
    customerToken: () =>
      tokens.issuePair({ userId: `usr_${randomUUID().replaceAll('-', '').slice(0, 20)}`, role: 'customer' })
        .accessToken,
    /** The shop's CPU time so far, in ms (all its processes). */
    async cpuMs(): Promise<number> {
      const metrics = await (await fetch(`${commandUrl}/metrics`)).text();
      const seconds = cpuLine.exec(metrics)?.[1];
      if (seconds === undefined) throw new Error('no process_cpu_seconds_total in /metrics');
      return Number(seconds) * 1000;
    },
    stop,
  };
}
