import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Tests connect here; CI and developer machines have PostgreSQL with trust auth on 127.0.0.1. */
export const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const withDatabase = (name: string) => {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

/**
 * A database of the test file's own: created fresh, dropped afterwards. Own database (not only a schema)
 * so that LISTEN/NOTIFY channels, sequences and advisory locks are isolated too.
 */
export async function createTestDatabase(
  label: string,
): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const name = `t_${label
    .replace(/[^a-z0-9]/gi, '_')
    .toLowerCase()
    .slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(name),
    name,
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        // A pool's end() resolves before its sockets have closed: give them a moment to go, so FORCE does
        // not terminate a client that is still ending (its FATAL would be an unhandled 'error' in the test).
        for (let i = 0; i < 40; i++) {
          const open = await client.query(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
            [name],
          );
          if (open.rows[0].n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A Redis key prefix of the test file's own. */
export const testKeyPrefix = (label: string) => `t:${label}:${randomBytes(4).toString('hex')}:`;
