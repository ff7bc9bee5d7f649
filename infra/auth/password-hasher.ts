import { randomBytes } from 'node:crypto';
import argon2, { type HashOptions } from 'argon2';

export type PasswordHasher = {
  /** argon2id PHC string. */
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /**
   * Spends the same time as a real verify against a hash nobody knows the password of, so that a
   * login for an unknown email takes about as long as one with a wrong password. Always false.
   */
  verifyDummy(password: string): Promise<false>;
};

export type PasswordHasherOptions = {
  /** KiB; OWASP's argon2id minimum is 19 MiB with t=2; we default to argon2's 64 MiB, t=3, p=4. */
  memoryCost?: number;
  timeCost?: number;
  parallelism?: number;
};

/** The argon2id parameters of every hash, real or dummy, that a hasher with these options makes. */
export function argon2Parameters(options: PasswordHasherOptions = {}): HashOptions {
  return {
    type: argon2.argon2id,
    memoryCost: options.memoryCost ?? 65536,
    timeCost: options.timeCost ?? 3,
    parallelism: options.parallelism ?? 4,
  };
}

export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHasher {
  const params = argon2Parameters(options);
  // Same parameters as real hashes, so the dummy verify costs the same; made once, lazily.
  let dummy: Promise<string> | undefined;
  const dummyHash = () => {
    dummy ??= hashOfUnknownPassword(params);
    return dummy;
  };
  return {
    hash: (password) => argon2.hash(password, params),
    async verify(hash, password) {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false; // a malformed stored hash is a failed login, not a crash
      }
    },
    async verifyDummy(password) {
      await argon2.verify(await dummyHash(), password).catch(() => false);
      return false;
    },
  };
}

/** A hash, with the given parameters, of a random password that nobody knows: the dummy verify's target. */
export function hashOfUnknownPassword(params: HashOptions): Promise<string> {
  return argon2.hash(randomBytes(32).toString('base64url'), params);
}

/** The PHC string's algorithm, version and cost segment (`$argon2id$v=19$m=…,t=…,p=…`). */
export function hashParameters(hash: string): string {
  return hash.split('$').slice(0, 4).join('$');
}
