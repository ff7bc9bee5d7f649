import { createHash } from 'node:crypto';
import type { EventMetadata } from '../port.ts';
import { canonicalJson } from './canonical-json.ts';

/** The metadata key that holds an event's link in its stream's chain. */
export const HASH_KEY = 'hash';

/** The previous hash of a stream's first event. */
export const GENESIS_HASH = '0'.repeat(64);

export type Hashable = { type: string; data: unknown; metadata?: EventMetadata | undefined };

/** Metadata as it is hashed: everything but the hash itself. */
export function metadataWithoutHash(metadata: EventMetadata | undefined): Record<string, unknown> {
  const { [HASH_KEY]: _hash, ...rest } = metadata ?? {};
  return rest;
}

/**
 * sha256 over the previous event's hash, the type, the data and the metadata (without `hash`), each as
 * canonical JSON (sorted keys) so the stored jsonb, whatever its key order, hashes the same.
 */
export function eventHash(previousHash: string, event: Hashable): string {
  return createHash('sha256')
    .update(previousHash)
    .update('\n')
    .update(event.type)
    .update('\n')
    .update(canonicalJson(event.data))
    .update('\n')
    .update(canonicalJson(metadataWithoutHash(event.metadata)))
    .digest('hex');
}

/** The hash an event's metadata claims; undefined when it carries none (written before chaining began). */
export const storedHash = (metadata: EventMetadata | undefined): string | undefined => {
  const value = metadata?.[HASH_KEY];
  return typeof value === 'string' ? value : undefined;
};
