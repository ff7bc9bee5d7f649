import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.ts';
import { eventHash, GENESIS_HASH, metadataWithoutHash } from './chain.ts';

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

  // Every stored chain was hashed over this text, so it may never change, whichever code produces it.
  it('writes the text every stored chain was hashed over: key order by UTF-16 unit, JSON escapes and numbers', () => {
    const value = {
      z: [1, undefined, null, { b: 'é', a: '𝄞' }],
      é: 1,
      e: 2,
      E: 3,
      '𝄞': 4,
      '\uffff': 5,
      'a\u0000': 6,
      s: 'quote " back \\ tab \t nul \u0000 lone \ud800 emoji 😀',
      n: [0.1, 1e21, -0, 1e-7, 2 ** 53 + 2, Number.NaN, Number.POSITIVE_INFINITY],
      d: new Date(Date.UTC(2026, 11, 7)),
      u: undefined,
      f: () => 1,
      p: JSON.parse('{"__proto__":{"x":1}}'),
      empty: {},
      arr: [],
    };
    expect(canonicalJson(value)).toBe(
      '{"E":3,"a\\u0000":6,"arr":[],"d":"2026-12-07T00:00:00.000Z","e":2,"empty":{},' +
        '"n":[0.1,1e+21,0,1e-7,9007199254740994,null,null],"p":{"__proto__":{"x":1}},' +
        '"s":"quote \\" back \\\\ tab \\t nul \\u0000 lone \\ud800 emoji 😀",' +
        '"z":[1,null,null,{"a":"𝄞","b":"é"}],"é":1,"𝄞":4,"\uffff":5}',
    );
    expect(canonicalJson(undefined)).toBe('null');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => canonicalJson(cycle)).toThrow(TypeError);
  });
  it("hashes the frozen log's 326 events into the chain they always gave", () => {
    const lines = readFileSync(new URL('../../../test/fixtures/log-v1.jsonl', import.meta.url), 'utf8')
      .split('\n')
      .filter(Boolean);
    let hash = GENESIS_HASH;
    for (const line of lines) {
      const { type, data, metadata } = JSON.parse(line);
      hash = eventHash(hash, { type, data, metadata });
    }
    expect(lines).toHaveLength(326);
    expect(hash).toBe('073c53cd84653cfc5d0660fcd1514a1a0dfc620dda251297bfb7127c10ec3b02');
  });
  it('hashes metadata that is not an object (a tampered row) as it always did, without throwing', () => {
    for (const odd of [null, 'text', [1]] as unknown as Record<string, unknown>[])
      expect(() => eventHash(GENESIS_HASH, { type: 'T', data: {}, metadata: odd })).not.toThrow();
    expect(metadataWithoutHash(null as never)).toEqual({});
    expect(metadataWithoutHash(['x'] as never)).toEqual({ 0: 'x' });
    const plain = { a: 1 };
    expect(metadataWithoutHash(plain)).toBe(plain);
    expect(metadataWithoutHash({ a: 1, hash: 'h' })).toEqual({ a: 1 });
  });
});
