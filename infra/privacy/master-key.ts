import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import type { Logger } from '../logger.ts';

/** A 32-byte AES-256 key: the master key (DATA_ENCRYPTION_KEY) or a person's data key. */
export type Key = Buffer;

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The development default: a published, well-known key, so that a developer's data survives restarts.
 * It protects nothing; production refuses to start without DATA_ENCRYPTION_KEY (see resolveMasterKey).
 */
const DEVELOPMENT_MASTER_KEY = createHash('sha256')
  .update('eventsourced-shop development data encryption key: NOT SECRET')
  .digest();

export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

/** DATA_ENCRYPTION_KEY as 64 hex digits or base64 of 32 bytes. */
export function parseMasterKey(text: string, variable = 'DATA_ENCRYPTION_KEY'): Key {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (key.length !== 32)
    throw new MasterKeyError(
      `${variable} must be 32 bytes as 64 hex digits or base64 (e.g. \`openssl rand -base64 32\`)`,
    );
  return key;
}

type MasterKeyConfig = { NODE_ENV: string; DATA_ENCRYPTION_KEY?: string | undefined };

/** The master key from the configuration; outside production, the development key with a warning. */
export function resolveMasterKey(config: MasterKeyConfig, logger?: Logger): Key {
  if (config.DATA_ENCRYPTION_KEY) return parseMasterKey(config.DATA_ENCRYPTION_KEY);
  if (config.NODE_ENV === 'production')
    throw new MasterKeyError('DATA_ENCRYPTION_KEY is required in production (32 bytes, hex or base64)');
  logger?.warn(
    'no DATA_ENCRYPTION_KEY configured: personal data is encrypted under the public development key, which protects nothing',
  );
  return DEVELOPMENT_MASTER_KEY;
}

// Nonces are drawn from the CSPRNG a few hundred at a time: one randomBytes call per seal was a
// measurable share of an append's encryption. Each nonce is still 96 fresh random bits, used once.
const NONCE_BATCH = 256;
let nonces = Buffer.alloc(0);
let nonceOffset = 0;
function nextNonce(): Buffer {
  if (nonceOffset + IV_BYTES > nonces.length) {
    nonces = randomBytes(IV_BYTES * NONCE_BATCH);
    nonceOffset = 0;
  }
  const iv = nonces.subarray(nonceOffset, nonceOffset + IV_BYTES);
  nonceOffset += IV_BYTES;
  return iv;
}

/** AES-256-GCM; the output is iv ‖ ciphertext ‖ tag. `aad` binds the ciphertext to its owner. */
export function seal(key: Key, plaintext: Buffer, aad: string): Buffer {
  const iv = nextNonce();
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = cipher.update(plaintext);
  const rest = cipher.final(); // empty for GCM, but part of the API
  return Buffer.concat([iv, body, rest, cipher.getAuthTag()]);
}

/** Opens what `seal` made; throws when the key, the aad or a byte is wrong. */
export function open(key: Key, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('sealed value too short');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const body = decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES));
  const rest = decipher.final(); // checks the tag; empty for GCM, so the body is returned uncopied
  return rest.length === 0 ? body : Buffer.concat([body, rest]);
}

/** A short public name of a master key (not the key): which key wrapped what, without revealing it. */
export const fingerprint = (key: Key): string =>
  createHmac('sha256', key).update('shop master key fingerprint').digest('hex').slice(0, 16);

/** The key check value's plaintext: opening it proves the configured master key is the right one. */
export const KEY_CHECK_PLAINTEXT = Buffer.from('shop personal data key check v1', 'utf8');
export const KEY_CHECK_AAD = 'key-check';
export const LOOKUP_KEY_AAD = 'email-lookup-key';
