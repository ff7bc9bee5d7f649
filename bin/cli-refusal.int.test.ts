import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Issue 12: a failed `npm run replay` (PostgreSQL full) hung for ten minutes. Each CLI, refused by its
 * database (nothing listens on port 1), must exit non-zero with a message naming the refusal. A run that
 * has not exited after two minutes is killed and counts as hanging (a guard, not a timing assertion).
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const unreachable = 'postgres://postgres@127.0.0.1:1/nowhere';

function run(script: string, args: string[]) {
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, DATABASE_URL: unreachable, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stderr });
    });
  });
}

describe('CLIs refused by their database exit non-zero with a clear message', () => {
  it.each([
    ['bin/replay.ts', ['--all'], /replay could not run: .*ECONNREFUSED/],
    ['bin/audit.ts', ['verify'], /could not run: .*ECONNREFUSED/],
    ['bin/seed.ts', [], /seed failed: .*ECONNREFUSED/],
  ] as const)(
    '%s',
    async (script, args, message) => {
      const { code, stderr } = await run(script, [...args]);
      expect(code, stderr).not.toBeNull(); // null: killed by the guard, i.e. it hung
      expect(code).not.toBe(0);
      expect(stderr).toMatch(message);
    },
    150_000,
  );
});
