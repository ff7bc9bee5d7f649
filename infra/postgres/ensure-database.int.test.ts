import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { adminUrl } from '../../test/support/isolation.ts';
import { ensureDatabase } from './ensure-database.ts';

const name = `t_ensure_${randomBytes(4).toString('hex')}`;
const url = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();

afterAll(async () => {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await client.end();
});

it('creates a missing database once, then leaves it alone, also when asked concurrently', async () => {
  const results = await Promise.all([ensureDatabase(url), ensureDatabase(url), ensureDatabase(url)]);
  expect(results.filter((r) => r.created)).toHaveLength(1);
  expect(await ensureDatabase(url)).toEqual({ created: false });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  expect((await client.query('SELECT current_database() AS name')).rows[0].name).toBe(name);
  await client.end();
});

it('refuses a database name it would have to quote creatively', async () => {
  await expect(
    ensureDatabase(Object.assign(new URL(adminUrl), { pathname: '/bad";drop' }).toString()),
  ).rejects.toThrow(/unsupported database/);
});
