import { configure } from 'safe-stable-stringify';

/**
 * safe-stable-stringify sorts keys as Array#sort does (by UTF-16 code unit) and writes strings and numbers
 * as JSON.stringify does, which is the text every stored chain was hashed over (canonical-json.unit.test.ts
 * pins it). A cycle throws, as JSON.stringify would; a bigint is left out of the text, and the store's own
 * JSON.stringify then refuses the append (event data is JSON).
 */
const stringify = configure({ deterministic: true, circularValue: TypeError, bigint: false });

/**
 * JSON with object keys sorted at every level, so the same value always gives the same text whatever
 * order its keys were built or stored in (jsonb reorders them). `undefined` members are left out, as
 * JSON.stringify would; a top-level `undefined` is "null", never silently "undefined".
 */
export function canonicalJson(value: unknown): string {
  return stringify(value) ?? 'null';
}
