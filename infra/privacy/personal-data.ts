import { createHmac, hkdfSync } from 'node:crypto';
import pg from 'pg';
import type { EventStore } from '../eventstore/port.ts';
import type { Logger } from '../logger.ts';
import { type KeyStore, openKeyStore } from './key-store.ts';
import { type Key, resolveMasterKey } from './master-key.ts';

/**
 * What the rest of the system may ask of personal-data protection: the keyed hash that stands for an
 * email address in stream names, and erasure. Reached through the composed store (personalDataOf).
 */
export type PersonalData = {
  keys: KeyStore;
  /** HMAC-SHA256 (hex) of a normalised email under the lookup key: never the address itself. */
  emailLookup(normalisedEmail: string): string;
  /**
   * HMAC-SHA256 (hex) of `text` under a key of its own for `purpose` (derived from the lookup key), for
   * a value that may hold personal data or a secret and is only ever compared: a plain hash of it
   * could be reversed by guessing (a request body's password, at SHA-256 speed).
   */
  fingerprint(purpose: string, text: string): string;
  /** Destroys the person's data key (idempotent). */
  destroyKey(subject: string): Promise<void>;
  close(): Promise<void>;
};

export function personalDataFrom(keys: KeyStore, close: () => Promise<void> = async () => {}): PersonalData {
  const purposeKeys = new Map<string, Buffer>();
  const purposeKey = (purpose: string) => {
    let key = purposeKeys.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', keys.lookupKey, '', `fingerprint:${purpose}`, 32));
      purposeKeys.set(purpose, key);
    }
    return key;
  };
  return {
    keys,
    emailLookup: (email) => createHmac('sha256', keys.lookupKey).update(email, 'utf8').digest('hex'),
    fingerprint: (purpose, text) =>
      createHmac('sha256', purposeKey(purpose)).update(text, 'utf8').digest('hex'),
    destroyKey: (subject) => keys.destroy(subject),
    close,
  };
}

/**
 * Opens the key store on DATABASE_URL with its own small pool and the master key from the config
 * (DATA_ENCRYPTION_KEY; the development key outside production). Refuses a wrong master key.
 */
export async function openPersonalData(options: {
  connectionString: string;
  config?: { NODE_ENV: string; DATA_ENCRYPTION_KEY?: string | undefined };
  masterKey?: Key;
  logger?: Logger;
  poolSize?: number;
  /** How often cached keys are checked against erasures by other processes (default 1 s). */
  erasureSweepMs?: number;
}): Promise<PersonalData> {
  const masterKey =
    options.masterKey ?? resolveMasterKey(options.config ?? { NODE_ENV: 'development' }, options.logger);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 3,
    application_name: 'personal-data-keys',
  });
  pool.on('error', (error) => options.logger?.warn({ err: error }, 'key store connection lost'));
  try {
    const keys = await openKeyStore({
      pool,
      masterKey,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.erasureSweepMs !== undefined ? { erasureSweepMs: options.erasureSweepMs } : {}),
    });
    return personalDataFrom(keys, () => pool.end());
  } catch (error) {
    await pool.end();
    throw error;
  }
}

const PERSONAL_DATA = Symbol('personal-data');

/** Attaches the personal-data service to a composed store (composeStore does). */
export const attachPersonalData = <S extends EventStore>(store: S, personalData: PersonalData): S =>
  Object.assign(store, { [PERSONAL_DATA]: personalData });

/** The personal-data service of a composed store; a store built without one cannot hold personal data. */
export function personalDataOf(store: EventStore): PersonalData {
  const found = (store as { [PERSONAL_DATA]?: PersonalData })[PERSONAL_DATA];
  if (!found)
    throw new Error('this event store was composed without personal-data protection (composeStore)');
  return found;
}
