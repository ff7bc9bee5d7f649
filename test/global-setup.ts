import { Redis } from 'ioredis';
import pg from 'pg';
import { adminUrl, redisUrl } from './support/isolation.ts';
import { perFileMax, suiteBound, WORKERS } from './support/pg-budget.ts';

/** Runs once before the int and e2e projects: fails fast, with a clear message, when a service is down. */
export default async function setup() {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    await client.end().catch(() => {});
    throw new Error(`PostgreSQL is not reachable at ${adminUrl}: ${(error as Error).message}`);
  }
  try {
    const { rows } = await client.query<{ max: string; used: string }>(
      `SELECT current_setting('max_connections') AS max, (SELECT count(*) FROM pg_stat_activity) AS used`,
    );
    const max = Number(rows[0]?.max);
    const bound = suiteBound();
    // Printed once per run: what this suite may hold at most, against the server's limit.
    console.log(
      `PostgreSQL budget: at most ${bound} connections (${WORKERS} files at once × ${perFileMax} per file + 1) of max_connections ${max}; ${rows[0]?.used} in use now`,
    );
    if (bound > max * 0.8)
      throw new Error(`the test suite may open ${bound} PostgreSQL connections; max_connections is ${max}`);
  } finally {
    await client.end().catch(() => {});
  }
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis is not reachable at ${redisUrl}: ${(error as Error).message}`);
  } finally {
    redis.disconnect();
  }
}
