import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Is a process with this pid alive (and visible to us)? */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `work` while holding a lock directory, so two test runs (or `kafka:start` beside a test run)
 * never start two brokers on one data dir. A lock left by a dead process is taken over.
 */
export async function withStartLock<T>(
  lockDir: string,
  timeoutMs: number,
  work: () => Promise<T>,
): Promise<T> {
  const owner = join(lockDir, 'owner');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(owner, String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await lockIsStale(lockDir, owner)) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the broker start lock ${lockDir}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function lockIsStale(lockDir: string, owner: string): Promise<boolean> {
  const text = await readFile(owner, 'utf8').catch(() => undefined);
  const pid = text === undefined ? Number.NaN : Number.parseInt(text, 10);
  if (Number.isInteger(pid)) return !pidAlive(pid);
  // No owner written yet: either being created this instant, or its creator died right then.
  const made = await stat(lockDir).catch(() => undefined);
  return made === undefined || Date.now() - made.mtimeMs > 10_000;
}
