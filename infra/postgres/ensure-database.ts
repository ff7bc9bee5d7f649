import pg from 'pg';

/**
 * Creates the database named in `url` when it does not exist yet, so a fresh machine starts with no
 * manual step. Connects to the server's `postgres` database to do so; a no-op when the database exists.
 */
export async function ensureDatabase(url: string): Promise<{ created: boolean }> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name))
    throw new Error(`DATABASE_URL names an unsupported database: ${name}`);
  const probe = new pg.Client({ connectionString: url });
  try {
    await probe.connect();
    return { created: false };
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw error; // invalid_catalog_name: missing database
  } finally {
    await probe.end().catch(() => {});
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  // Concurrent CREATE DATABASE calls race (duplicate name, template1 busy): take turns under a lock.
  try {
    await client.query("SELECT pg_advisory_lock(hashtext('ensure-database'))");
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount) return { created: false };
    await client.query(`CREATE DATABASE "${name}"`);
    return { created: true };
  } finally {
    await client.end();
  }
}
