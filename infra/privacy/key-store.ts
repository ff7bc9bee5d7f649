import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../logger.ts';
import { loadMigrations, runMigrations } from '../postgres/migrations.ts';
import { erasureSweep, KeyCache, type SubjectKey } from './key-cache.ts';
import {
  fingerprint,
  KEY_CHECK_AAD,
  KEY_CHECK_PLAINTEXT,
  type Key,
  LOOKUP_KEY_AAD,
  MasterKeyError,
  open,
  seal,
} from './master-key.ts';

export type { SubjectKey };

export type KeyStore = {
  /** The HMAC key of email lookups; stable across master key rotations. */
  lookupKey: Key;
  /** The keys that exist for these subjects (a subject without a key is absent from the map). */
  keysFor(subjects: readonly string[]): Promise<Map<string, SubjectKey>>;
  /** The subject's key, made on first use; 'erased' once destroyed (no new key is ever made then). */
  keyForWriting(subject: string): Promise<SubjectKey>;
  /** Crypto-shredding: the wrapped key is overwritten with NULL; every copy of the person's data is unreadable. */
  destroy(subject: string): Promise<void>;
  /** Marks a subject erased in the cache (its erasure event was read; another process destroyed the key). */
  forget(subject: string): void;
};

export async function migrateKeyStore(pool: pg.Pool, logger?: Logger) {
  const migrations = await loadMigrations(new URL('./migrations/', import.meta.url));
  return runMigrations(pool, { module: 'personal-data', migrations, ...(logger ? { logger } : {}) });
}

export const subjectAad = (subject: string) => `data-key:${subject}`;

export type MasterRow = { fingerprint: string; key_check: Buffer; wrapped_lookup_key: Buffer };

/** Opens the key check value with `masterKey`; a wrong key is refused with a message an operator can act on. */
export function checkMasterKey(row: MasterRow, masterKey: Key): Key {
  try {
    if (!open(masterKey, row.key_check, KEY_CHECK_AAD).equals(KEY_CHECK_PLAINTEXT))
      throw new Error('mismatch');
    return open(masterKey, row.wrapped_lookup_key, LOOKUP_KEY_AAD);
  } catch {
    throw new MasterKeyError(
      `DATA_ENCRYPTION_KEY is not the master key this database's personal data keys are wrapped with (key check failed; expected the key with fingerprint ${row.fingerprint}, got ${fingerprint(masterKey)}). Start with the right key; to change it, run \`npm run keys -- rotate\`.`,
    );
  }
}

/**
 * The key store in PostgreSQL: migrates, creates the master row on first start, and refuses a wrong
 * master key. Unwrapped data keys are kept in an LRU (key-cache.ts) so a recurring customer costs no
 * round trip; an erasure in another process reaches the cache within `erasureSweepMs` (the sweep), and
 * at once when this process reads the erasure event or destroys the key itself.
 */
export async function openKeyStore(options: {
  pool: pg.Pool;
  masterKey: Key;
  logger?: Logger;
  erasureSweepMs?: number;
  cacheSize?: number;
}): Promise<KeyStore> {
  const { pool, masterKey } = options;
  const sweepMs = options.erasureSweepMs ?? 1_000;
  const cacheSize = options.cacheSize ?? 50_000;
  await migrateKeyStore(pool, options.logger);
  const myFingerprint = fingerprint(masterKey);
  await pool.query(
    `INSERT INTO personal_data_master (id, fingerprint, key_check, wrapped_lookup_key) VALUES (1, $1, $2, $3)
     ON CONFLICT (id) DO NOTHING`,
    [
      myFingerprint,
      seal(masterKey, KEY_CHECK_PLAINTEXT, KEY_CHECK_AAD),
      seal(masterKey, randomBytes(32), LOOKUP_KEY_AAD),
    ],
  );
  const { rows } = await pool.query<MasterRow>(
    'SELECT fingerprint, key_check, wrapped_lookup_key FROM personal_data_master',
  );
  const lookupKey = checkMasterKey(rows[0]!, masterKey);

  const cache = new KeyCache(cacheSize);
  // Erasures by other processes: at most one query per sweep interval drops their keys from the cache,
  // awaited before a cached key is used, so a destroyed key is never used more than one interval after.
  const sweep = erasureSweep(pool, cache, sweepMs);
  const cached = async (subject: string) => {
    await sweep();
    return cache.get(subject);
  };
  const remember = (subject: string, key: SubjectKey) => cache.set(subject, key);
  const unwrap = (subject: string, wrapped: Buffer | null): SubjectKey => {
    if (wrapped === null) return 'erased';
    try {
      return open(masterKey, wrapped, subjectAad(subject));
    } catch {
      throw new MasterKeyError(
        'a personal data key does not open with DATA_ENCRYPTION_KEY: the master key was rotated; restart with the new key',
      );
    }
  };

  return {
    lookupKey,
    async keysFor(subjects) {
      const found = new Map<string, SubjectKey>();
      const missing: string[] = [];
      await sweep();
      for (const subject of new Set(subjects)) {
        const key = cache.get(subject);
        if (key) found.set(subject, key);
        else missing.push(subject);
      }
      if (missing.length === 0) return found;
      const result = await pool.query<{ subject_id: string; wrapped_key: Buffer | null }>(
        'SELECT subject_id, wrapped_key FROM personal_data_keys WHERE subject_id = ANY($1::text[])',
        [missing],
      );
      for (const row of result.rows) {
        const key = unwrap(row.subject_id, row.wrapped_key);
        remember(row.subject_id, key);
        found.set(row.subject_id, key);
      }
      return found;
    },
    async keyForWriting(subject) {
      const hit = await cached(subject);
      if (hit) return hit;
      // Insert only while this process's master key is still the current one (a rotation elsewhere
      // would otherwise leave a key wrapped under the old master).
      const result = await pool.query<{ wrapped_key: Buffer | null }>(
        `WITH inserted AS (
           INSERT INTO personal_data_keys (subject_id, wrapped_key)
           SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM personal_data_master WHERE fingerprint = $3)
           ON CONFLICT (subject_id) DO NOTHING RETURNING wrapped_key)
         SELECT wrapped_key FROM inserted
         UNION ALL SELECT wrapped_key FROM personal_data_keys WHERE subject_id = $1
         LIMIT 1`,
        [subject, seal(masterKey, randomBytes(32), subjectAad(subject)), myFingerprint],
      );
      // A concurrent first write of the same subject commits after this statement's snapshot: read again.
      const row =
        result.rows[0] ??
        (
          await pool.query<{ wrapped_key: Buffer | null }>(
            'SELECT wrapped_key FROM personal_data_keys WHERE subject_id = $1',
            [subject],
          )
        ).rows[0];
      if (!row)
        throw new MasterKeyError('the master key was rotated; restart with the new DATA_ENCRYPTION_KEY');
      const key = unwrap(subject, row.wrapped_key);
      remember(subject, key);
      return key;
    },
    async destroy(subject) {
      await pool.query(
        `INSERT INTO personal_data_keys (subject_id, wrapped_key, erased_at) VALUES ($1, NULL, now())
         ON CONFLICT (subject_id) DO UPDATE SET wrapped_key = NULL,
           erased_at = COALESCE(personal_data_keys.erased_at, now())`,
        [subject],
      );
      remember(subject, 'erased');
    },
    forget(subject) {
      // Called on reading the subject's erasure event: the key is gone for good, so remember that.
      remember(subject, 'erased');
    },
  };
}
