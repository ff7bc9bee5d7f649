import { describe, expect, it } from 'vitest';
import { createPasswordHasher } from './password-hasher.ts';

describe('password hasher', () => {
  const hasher = createPasswordHasher();

  it('hashes with argon2id and verifies', async () => {
    const hash = await hasher.hash('Secret#123');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=65536,/);
    expect(hash).not.toContain('Secret#123');
    expect(await hasher.verify(hash, 'Secret#123')).toBe(true);
    expect(await hasher.verify(hash, 'Secret#124')).toBe(false);
    expect(await hasher.verify('garbage', 'Secret#123')).toBe(false);
  });

  it('takes about as long for the dummy as for a real verify', async () => {
    const hash = await hasher.hash('Secret#123');
    await hasher.verifyDummy('warm-up');
    const time = async (fn: () => Promise<unknown>) => {
      const start = performance.now();
      for (let i = 0; i < 3; i++) await fn();
      return performance.now() - start;
    };
    const real = await time(() => hasher.verify(hash, 'Wrong#1234'));
    const dummy = await time(() => hasher.verifyDummy('Wrong#1234'));
    expect(await hasher.verifyDummy('anything')).toBe(false);
    expect(dummy / real).toBeGreaterThan(0.5);
    expect(dummy / real).toBeLessThan(2);
    // Eight argon2id runs at 64 MiB: well over vitest's 5 s default on a loaded 2-core machine.
  }, 60_000);
});
