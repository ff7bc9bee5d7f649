import { createHash } from 'node:crypto';

/**
 * A uuid derived from a name (`commit:rsv_…:prd_…`), so a step retried after a lost response appends
 * the same event ids and the store recognises the retry instead of writing the events twice.
 */
export function uuidFrom(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  // Version 5 layout (name-based); the variant bits set to RFC 4122.
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const stepEventIds = (name: string) => (index: number) => uuidFrom(`${name}#${index}`);
