// `npm run seed -- [--products N] [--users N] [--seed S] [--concurrency C] [--url http://127.0.0.1:3001]`
// A deterministic demo shop through the command API's own command path (bin/seed/run-seed.ts).
// Without --url it starts the command API in this process on a free port (rate limits off, bootstrap admin
// from BOOTSTRAP_ADMIN_* or a demo admin) over the configured store, and talks HTTP to it; with --url it
// talks to a running command API, logging in as BOOTSTRAP_ADMIN_EMAIL/PASSWORD (start that one with
// RATE_LIMIT_GENERAL_PER_MIN=0, or the seed waits out every 429). Without --url it then runs the projections
// (or lets a running `npm start` run them) until every read model has caught up, and says so.

import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startCommandApi } from '../command-api/server.ts';
import { createPasswordHasher } from '../infra/auth/password-hasher.ts';
import { loadConfig } from '../infra/config.ts';
import { createEventStore } from '../infra/eventstore/create-store.ts';
import { composeStore } from '../infra/eventstore/decorate-store.ts';
import { ensureDatabase } from '../infra/postgres/ensure-database.ts';
import { createPool } from '../infra/postgres/pool.ts';
import { openPersonalData } from '../infra/privacy/personal-data.ts';
import { createRedis } from '../infra/redis/client.ts';
import { deploymentRedisPrefix } from '../infra/redis/prefix.ts';
import { projections } from '../projections/registry.ts';
import { startProjectionsRole } from '../projections/start.ts';
import { createApiClient } from './seed/client.ts';
import { runSeed } from './seed/run-seed.ts';
import { waitForProjections } from './seed/wait-projections.ts';

/** How long the seed waits for the read models before leaving the rest to `npm start`. */
const PROJECTION_WAIT_MS = 15 * 60_000;
const DEMO_ADMIN = { email: 'admin@seed.example', password: 'Seed-Admin-Pass-1!' };

/** A short stable tag of the store being seeded (no credentials reach the key). */
const storeTag = (where: string) => createHash('sha256').update(where).digest('hex').slice(0, 12);

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '10000' },
    users: { type: 'string', default: '250' },
    seed: { type: 'string', default: '42' },
    concurrency: { type: 'string', default: '16' },
    url: { type: 'string' },
  },
});
const whole = (name: string, text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number ≥ 1, got ${text}`);
  return n;
};
const log = (line: string) => process.stdout.write(`${line}\n`);

async function main() {
  const options = {
    products: whole('products', values.products),
    users: whole('users', values.users),
    seed: whole('seed', values.seed),
    concurrency: whole('concurrency', values.concurrency),
    log,
  };
  if (values.url) {
    const email = process.env.BOOTSTRAP_ADMIN_EMAIL;
    const password = process.env.BOOTSTRAP_ADMIN_PASSWORD;
    if (!email || !password)
      throw new Error('--url needs BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD');
    log(`seeding through ${values.url}`);
    return runSeed(createApiClient(values.url), {
      ...options,
      admin: { email, password },
      target: storeTag(values.url),
    });
  }
  const config = loadConfig({
    BOOTSTRAP_ADMIN_EMAIL: DEMO_ADMIN.email,
    BOOTSTRAP_ADMIN_PASSWORD: DEMO_ADMIN.password,
    ...process.env,
    RATE_LIMIT_AUTH_PER_MIN: '0',
    RATE_LIMIT_CHECKOUT_PER_MIN: '0',
    RATE_LIMIT_GENERAL_PER_MIN: '0',
  });
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
  await ensureDatabase(config.DATABASE_URL);
  const created = await createEventStore(config, logger);
  // The same composition as bin/start, so seeded events carry their hash chain like any other.
  const personalData = await openPersonalData({ connectionString: config.DATABASE_URL, config, logger });
  const store = composeStore(created.store, { logger, personalData });
  const { kind } = created;
  const redis = createRedis({
    url: config.REDIS_URL,
    keyPrefix: deploymentRedisPrefix(config),
    logger,
    connectionName: 'seed',
  });
  // Demo users get argon2id at OWASP's minimum (19 MiB, t=2) instead of the server's 64 MiB, t=3: the PHC
  // string carries its parameters, so the running API verifies them as usual, and seeding is several times faster.
  const hasher = createPasswordHasher({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  const server = await startCommandApi({
    store,
    redis,
    config,
    logger,
    hasher,
    port: 0,
    host: '127.0.0.1',
    keepDependencies: true,
  });
  log(`seeding through an in-process command API at ${server.url} (${kind} event store)`);
  const pool = createPool({ connectionString: config.DATABASE_URL, applicationName: 'seed', logger });
  try {
    const report = await runSeed(createApiClient(server.url), {
      ...options,
      admin: { email: config.BOOTSTRAP_ADMIN_EMAIL!, password: config.BOOTSTRAP_ADMIN_PASSWORD! },
      target: storeTag(config.EVENTSTORE_CONNECTION_STRING ?? config.DATABASE_URL),
    });
    await server.close();
    // The read models: the same runners as `npm start`'s projections role. When `npm start` is running, its
    // runners hold the leases and do the work (these wait as standbys); either way the seed returns once
    // every read model has reached the last seeded event, so the demo queries answer at once.
    log(`projections: building the read models (${projections.map((p) => p.name).join(', ')})`);
    const role = await startProjectionsRole({ config, logger, store, pool, redis });
    try {
      const waited = await waitForProjections({
        pool,
        store,
        names: projections.map((p) => p.name),
        log,
        timeoutMs: PROJECTION_WAIT_MS,
      });
      log(
        waited.behind.length === 0
          ? `projections: all ${projections.length} caught up in ${waited.seconds.toFixed(1)} s; the read models are ready`
          : `projections: still behind after ${waited.seconds.toFixed(0)} s: ${waited.behind.join(', ')} (npm start's projections carry on)`,
      );
    } finally {
      await role.close();
    }
    return report;
  } finally {
    await server.close().catch(() => undefined);
    await pool.end();
    await store.close();
    await redis.quit().catch(() => redis.disconnect());
  }
}

main().then(
  (report) => {
    log(JSON.stringify(report));
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
