import { createHash } from 'node:crypto';

// A fixed namespace (RFC 4122 name-based ids): the same domain event always yields the same
// integration event ids, so a republished event dedupes against its first delivery.
const namespace = Buffer.from('3f1d6c2e8a4b4f0e9c7a5d2b1e0f6a94', 'hex');

/** UUID v5 of `name` in our namespace. */
export function integrationEventId(name: string): string {
  const hash = createHash('sha1').update(namespace).update(name).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The id of the integration event of `type` made from domain event `domainEventId`. */
export const derivedEventId = (domainEventId: string, type: string) =>
  integrationEventId(`${domainEventId}/${type}`);

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * The id of the `index`-th integration event made from a domain event: the first one carries the
 * domain event's own id (already a unique, stable uuid; no hashing on the hot path), any further one
 * (StockLevelChanged beside StockReserved, say) a UUID v5 of it. Stable across redeliveries either way.
 */
export const integrationEventIdFor = (domainEventId: string, type: string, index: number) =>
  index === 0 && uuid.test(domainEventId) ? domainEventId.toLowerCase() : derivedEventId(domainEventId, type);
