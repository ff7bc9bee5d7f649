// The query API as production composes it, in a child process of bench/queries/run.ts started with
// OpenTelemetry loaded (`--import ./infra/telemetry/register.ts`, as `npm start`), so the load generator
// does not share its event loop. Env: DATABASE_URL, REDIS_URL, BENCH_REDIS_PREFIX, JWT_SECRET.
// The rate limit is on (its Redis round trip is part of every request) with a limit no run reaches.
import { parseRate } from '../../domain/shared/money.ts';
import { createAuthenticator } from '../../infra/auth/authenticator.ts';
import { createSessions } from '../../infra/auth/sessions.ts';
import { createTokenService } from '../../infra/auth/tokens.ts';
import { listen } from '../../infra/http/server.ts';
import { createLogger } from '../../infra/logger.ts';
import { createPool } from '../../infra/postgres/pool.ts';
import { createRedis } from '../../infra/redis/client.ts';
import { createReadModelDb } from '../../projections/read-model-db.ts';
import { createQueryApi } from '../../query-api/app.ts';

// The production logger at its default level (info): one line per request, to the file run.ts gives it.
const logger = createLogger({ name: 'bench-query-api' });
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
  rateLimitPerMin: 1_000_000_000,
  taxRate: parseRate('0.08'),
});
const queryServer = await listen(api.app, { port: 0, host: '127.0.0.1', logger });

process.send?.({ url: queryServer.url });
process.on('message', async (message) => {
  // The process's CPU time so far: run.ts takes the difference over a measured run (CPU per request).
  if (message === 'cpu') return void process.send?.({ cpu: process.cpuUsage() });
  if (message !== 'stop') return;
  await queryServer.close();
  await api.close();
  await pool.end();
  redis.disconnect();
  process.exit(0);
});
