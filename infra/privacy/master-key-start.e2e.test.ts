// Not through the generated client (test/api-client/, docs/api.md): it sends no HTTP at all (it starts
// processes and reads the store).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, redisUrl } from '../../test/support/isolation.ts';
import { singleProcessApis } from '../../test/support/shop-process.ts';
import { runKeysCommand } from './keys-command.ts';
import { openPersonalData } from './personal-data.ts';

const root = resolve(import.meta.dirname, '../..');

/** Runs bin/start with this environment until it exits (or 60 s); its exit code and stderr. */
function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/start.ts'], {
    cwd: root,
    env: {
      PATH: String(process.env.PATH),
      REDIS_URL: redisUrl,
      ROLES: 'command-api',
      ...singleProcessApis,
      COMMAND_API_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((done) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stderr });
    }),
  );
}

describe('what bin/start refuses to start with, and the keys command', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const first = randomBytes(32).toString('hex');
  const second = randomBytes(32).toString('base64');
  const io = () => {
    const lines: string[] = [];
    return { lines, out: (t: string) => lines.push(t), err: (t: string) => lines.push(t) };
  };
  beforeAll(async () => {
    database = await createTestDatabase('master_key_start');
    const personalData = await openPersonalData({
      connectionString: database.url,
      config: { NODE_ENV: 'test', DATA_ENCRYPTION_KEY: first },
    });
    await personalData.keys.keyForWriting('usr_someone');
    await personalData.close();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('refuses to start with a wrong DATA_ENCRYPTION_KEY, saying so', async () => {
    const { code, stderr } = await start({
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    });
    expect(code).toBe(1);
    expect(stderr).toContain('DATA_ENCRYPTION_KEY is not the master key');
    expect(stderr).not.toContain(first);
  }, 70_000);

  it('refuses to start in production without DATA_ENCRYPTION_KEY', async () => {
    const { code, stderr } = await start({
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      JWT_SECRET: 'production-test-secret-0123456789abcdef',
    });
    expect(code).toBe(1);
    expect(stderr).toContain('DATA_ENCRYPTION_KEY: required in production');
  }, 70_000);

  it('refuses to run the notifier in production without SMTP_URL (mail would rest in plain files)', async () => {
    const { code, stderr } = await start({
      NODE_ENV: 'production',
      ROLES: 'notifier',
      DATABASE_URL: database.url,
      JWT_SECRET: 'production-test-secret-0123456789abcdef',
      DATA_ENCRYPTION_KEY: first,
    });
    expect(code).toBe(1);
    expect(stderr).toContain('SMTP_URL: required in production where the notifier runs');
  }, 70_000);

  it('rotates with `keys rotate`: the old key is refused after, the new one opens every data key', async () => {
    const env = { NODE_ENV: 'test', DATABASE_URL: database.url, DATA_ENCRYPTION_KEY: first };
    const checked = io();
    expect(await runKeysCommand(['check'], env, checked)).toBe(0);
    const rotated = io();
    expect(await runKeysCommand(['rotate'], { ...env, DATA_ENCRYPTION_KEY_NEW: second }, rotated)).toBe(0);
    expect(rotated.lines.join('\n')).toContain('1 data keys rewrapped');
    const old = io();
    expect(await runKeysCommand(['check'], env, old)).toBe(1);
    expect(old.lines.join('\n')).toContain('key check failed');
    expect(await runKeysCommand(['check'], { ...env, DATA_ENCRYPTION_KEY: second }, io())).toBe(0);
  });
});
