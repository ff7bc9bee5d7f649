import { Redis } from 'ioredis';
import pg from 'pg';
import { adminUrl, redisUrl } from './support/isolation.ts';

/** Runs once before the int and e2e projects: fails fast, with a clear message, when a service is down. */
export default async function setup() {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${adminUrl}: ${(error as Error).message}`);
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
