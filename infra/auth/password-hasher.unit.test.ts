import { describe, expect, it } from 'vitest';
import {
  argon2Parameters,
  createPasswordHasher,
  hashOfUnknownPassword,
  hashParameters,
} from './password-hasher.ts';

describe('password hasher', () => {
  const hasher = createPasswordHasher();

  it('hashes with argon2id and verifies', async () => {
    const hash = await hasher.hash('Secret#123');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=65536,/);
    expect(hash).not.toContain('Secret#123');
    expect(await hasher.verify(hash, 'Secret#123')).toBe(true);
    expect(await hasher.verify(hash, 'Secret#124')).toBe(false);
    expect(await hasher.verify('garbage', 'Secret#123')).toBe(false);
  }, 60_000);

  // The dummy verify's cost equals a real one's because its target hash has the same argon2
  // parameters (the cost is a function of them alone); asserting that, not a stopwatch, keeps the
  // test true on a loaded machine.
  it('verifies the dummy against a hash with the same cost parameters as real hashes', async () => {
    const real = await hasher.hash('Secret#123');
    const dummy = await hashOfUnknownPassword(argon2Parameters());
    expect(hashParameters(dummy)).toBe(hashParameters(real));
    expect(hashParameters(real)).toBe('$argon2id$v=19$m=65536,p=4,t=3');
    expect(await hasher.verifyDummy('anything')).toBe(false);
    expect(await hasher.verifyDummy('Secret#123')).toBe(false);
    // Four argon2id runs at 64 MiB: well over vitest's 5 s default on a loaded 2-core machine.
  }, 60_000);
});
