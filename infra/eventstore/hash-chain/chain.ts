import { hash } from 'node:crypto';
import type { EventMetadata } from '../port.ts';
import { canonicalJson } from './canonical-json.ts';

/** The metadata key that holds an event's link in its stream's chain. */
export const HASH_KEY = 'hash';

/** The previous hash of a stream's first event. */
export const GENESIS_HASH = '0'.repeat(64);

export type Hashable = { type: string; data: unknown; metadata?: EventMetadata | undefined };

/** Metadata as it is hashed: everything but the hash itself (the metadata itself when it holds none). */
export function metadataWithoutHash(metadata: EventMetadata | undefined): Record<string, unknown> {
  const plain = typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata);
  if (plain && !(HASH_KEY in metadata)) return metadata;
  // Anything else as it always was: a stored row tampered to hold null, a text or an array must still hash
  // (to a mismatch the verifier reports), not throw.
  const { [HASH_KEY]: _hash, ...rest } = metadata ?? {};
  return rest;
}

/**
 * sha256 over the previous event's hash, the type, the data and the metadata (without `hash`), each as
 * canonical JSON (sorted keys) so the stored jsonb, whatever its key order, hashes the same.
 */
export function eventHash(previousHash: string, event: Hashable): string {
  // One string hashed at once: the same UTF-8 bytes as updating part by part (canonical JSON escapes lone
  // surrogates, so no two parts join into one character), in a third of the time.
  const text = `${previousHash}\n${event.type}\n${canonicalJson(event.data)}\n${canonicalJson(metadataWithoutHash(event.metadata))}`;
  return hash('sha256', text, 'hex');
}

/** The hash an event's metadata claims; undefined when it carries none (written before chaining began). */
export const storedHash = (metadata: EventMetadata | undefined): string | undefined => {
  const value = metadata?.[HASH_KEY];
  return typeof value === 'string' ? value : undefined;
};
