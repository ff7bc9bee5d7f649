import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/isolation.ts';
import { loadMigrations, runMigrations } from './migrations.ts';
import { createPool } from './pool.ts';

describe('migration runner', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase('migrations');
    pool = createPool({ connectionString: db.url, max: 6 });
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  const recorded = async (module: string) =>
    (
      await pool.query<{ id: string }>('SELECT id FROM schema_migrations WHERE module = $1 ORDER BY id', [
        module,
      ])
    ).rows.map((r) => r.id);

  it('applies a module’s migrations in id order, once, and records them', async () => {
    const migrations = [
      { id: '002_add_column', sql: 'ALTER TABLE things ADD COLUMN label text' },
      { id: '001_create', sql: 'CREATE TABLE things (id int PRIMARY KEY)' },
    ];
    expect(await runMigrations(pool, { module: 'things', migrations })).toEqual({
      applied: ['001_create', '002_add_column'],
    });
    expect(await runMigrations(pool, { module: 'things', migrations })).toEqual({ applied: [] });
    expect(await recorded('things')).toEqual(['001_create', '002_add_column']);
    await pool.query(`INSERT INTO things (id, label) VALUES (1, 'x')`);
  });

  it('modules are independent: the same id in two modules is two migrations', async () => {
    const a = await runMigrations(pool, {
      module: 'mod_a',
      migrations: [{ id: '001_init', sql: 'CREATE TABLE a_table (id int)' }],
    });
    const b = await runMigrations(pool, {
      module: 'mod_b',
      migrations: [{ id: '001_init', sql: 'CREATE TABLE b_table (id int)' }],
    });
    expect([a.applied, b.applied]).toEqual([['001_init'], ['001_init']]);
  });

  it('processes starting together apply each migration exactly once (advisory lock)', async () => {
    const migrations = [
      { id: '001_counter', sql: 'CREATE TABLE counter (n int); INSERT INTO counter VALUES (0)' },
      { id: '002_bump', sql: 'SELECT pg_sleep(0.05); UPDATE counter SET n = n + 1' },
    ];
    const results = await Promise.all(
      Array.from({ length: 5 }, () => runMigrations(pool, { module: 'race', migrations })),
    );
    expect(results.flatMap((r) => r.applied).sort()).toEqual(['001_counter', '002_bump']);
    expect((await pool.query('SELECT n FROM counter')).rows).toEqual([{ n: 1 }]);
  });

  it('a failing migration leaves nothing behind and is not recorded', async () => {
    const migrations = [{ id: '001_half', sql: 'CREATE TABLE half (id int); SELECT * FROM no_such_table' }];
    await expect(runMigrations(pool, { module: 'broken', migrations })).rejects.toThrow(
      /broken\/001_half failed/,
    );
    expect(await recorded('broken')).toEqual([]);
    expect((await pool.query(`SELECT to_regclass('half') AS t`)).rows[0].t).toBeNull();
  });

  it('refuses an applied migration whose text changed', async () => {
    await runMigrations(pool, {
      module: 'edited',
      migrations: [{ id: '001', sql: 'CREATE TABLE e1 (id int)' }],
    });
    await expect(
      runMigrations(pool, {
        module: 'edited',
        migrations: [{ id: '001', sql: 'CREATE TABLE e1 (id bigint)' }],
      }),
    ).rejects.toThrow(/changed after it was applied/);
  });

  it('loads a folder of .sql files in name order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
    try {
      await writeFile(join(dir, '010_second.sql'), 'SELECT 2');
      await writeFile(join(dir, '002_first.sql'), 'SELECT 1');
      await writeFile(join(dir, 'README.md'), 'not a migration');
      expect(await loadMigrations(dir)).toEqual([
        { id: '002_first', sql: 'SELECT 1' },
        { id: '010_second', sql: 'SELECT 2' },
      ]);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe('pool', () => {
  it('sets idle_in_transaction_session_timeout on every session', async () => {
    const db = await createTestDatabase('pool');
    const pool = createPool({ connectionString: db.url, max: 2, idleInTransactionTimeoutMs: 1234 });
    try {
      const { rows } = await pool.query('SHOW idle_in_transaction_session_timeout');
      expect(rows[0].idle_in_transaction_session_timeout).toBe('1234ms');
      const defaults = createPool({ connectionString: db.url, max: 1 });
      const shown = await defaults.query('SHOW idle_in_transaction_session_timeout');
      await defaults.end();
      expect(shown.rows[0].idle_in_transaction_session_timeout).toBe('15s');
      // And the server acts on it: a transaction left idle is ended.
      const client = await pool.connect();
      client.on('error', () => {});
      await client.query('BEGIN');
      await new Promise((resolve) => setTimeout(resolve, 1_600));
      await expect(client.query('SELECT 1')).rejects.toThrow();
      client.release(true);
    } finally {
      await pool.end();
      await db.drop();
    }
  });
});
