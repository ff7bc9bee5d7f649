import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.ts';
import { eventHash, GENESIS_HASH } from './chain.ts';

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });
  it('gives one hash for the same event whatever the key order, and another when anything changes', () => {
    const one = eventHash(GENESIS_HASH, { type: 'T', data: { a: 1, b: 2 }, metadata: { x: '1', hash: 'h' } });
    const same = eventHash(GENESIS_HASH, { type: 'T', data: { b: 2, a: 1 }, metadata: { x: '1' } });
    expect(one).toBe(same);
    expect(eventHash(GENESIS_HASH, { type: 'T', data: { a: 1, b: 3 }, metadata: { x: '1' } })).not.toBe(one);
    expect(eventHash(GENESIS_HASH, { type: 'U', data: { a: 1, b: 2 }, metadata: { x: '1' } })).not.toBe(one);
    expect(eventHash(one, { type: 'T', data: { a: 1, b: 2 }, metadata: { x: '1' } })).not.toBe(one);
  });
});
