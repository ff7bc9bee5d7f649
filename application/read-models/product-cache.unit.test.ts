import { describe, expect, it } from 'vitest';
import { createProductCache } from './product-cache.ts';

describe('product cache', () => {
  it('serves a hit without loading, and loads again after an invalidation', async () => {
    const cache = createProductCache<{ price: number }>();
    let loads = 0;
    const load = async () => ({ price: ++loads });
    expect(await cache.get('prd_1', load)).toEqual({ price: 1 });
    expect(await cache.get('prd_1', load)).toEqual({ price: 1 });
    cache.invalidate(['prd_1']);
    expect(await cache.get('prd_1', load)).toEqual({ price: 2 });
  });

  it('reads a null (a cart the read model does not hold yet) again on every get', async () => {
    const cache = createProductCache<string | null>();
    let loads = 0;
    const load = async () => (++loads === 1 ? null : 'cart');
    expect(await cache.get('cart:usr_1', load)).toBeNull();
    expect(await cache.get('cart:usr_1', load)).toBe('cart');
    expect(await cache.get('cart:usr_1', load)).toBe('cart');
    expect(loads).toBe(2);
  });

  it('does not keep a value loaded before an invalidation that arrived during the load', async () => {
    const cache = createProductCache<string>();
    let release!: () => void;
    const slow = cache.get(
      'prd_1',
      () => new Promise<string>((resolve) => (release = () => resolve('stale'))),
    );
    cache.invalidate(['prd_1']);
    release();
    expect(await slow).toBe('stale');
    expect(await cache.get('prd_1', async () => 'fresh')).toBe('fresh');
  });

  it('`*` clears everything, including loads in flight', async () => {
    const cache = createProductCache<string>();
    await cache.get('a', async () => 'a1');
    let release!: () => void;
    const slow = cache.get('b', () => new Promise<string>((resolve) => (release = () => resolve('b1'))));
    cache.invalidate(['*']);
    release();
    await slow;
    expect(cache.size()).toBe(0);
    expect(await cache.get('a', async () => 'a2')).toBe('a2');
    const loaded = await cache.getMany(
      ['a', 'b'],
      async (missing) => new Map(missing.map((k) => [k, `${k}3`])),
    );
    expect(Object.fromEntries(loaded)).toEqual({ a: 'a2', b: 'b3' });
  });

  it('does not cache misses and evicts the least recently used beyond max', async () => {
    const cache = createProductCache<string>({ max: 2 });
    expect(await cache.get('none', async () => undefined)).toBeUndefined();
    expect(cache.size()).toBe(0);
    await cache.get('a', async () => 'a');
    await cache.get('b', async () => 'b');
    await cache.get('a', async () => 'x'); // touch a
    await cache.get('c', async () => 'c'); // evicts b
    expect(await cache.get('a', async () => 'nope')).toBe('a');
    expect(await cache.get('b', async () => 'b2')).toBe('b2');
  });

  it('getMany loads only the misses, in one call, and keeps none a racing invalidation named', async () => {
    const cache = createProductCache<string>();
    await cache.get('a', async () => 'a1');
    const asked: string[][] = [];
    let release!: () => void;
    const many = cache.getMany(['a', 'b', 'c'], (missing) => {
      asked.push(missing);
      return new Promise((resolve) => {
        release = () => resolve(new Map(missing.map((key) => [key, `${key}1`])));
      });
    });
    cache.invalidate(['b']);
    release();
    expect(await many).toEqual(
      new Map([
        ['a', 'a1'],
        ['b', 'b1'],
        ['c', 'c1'],
      ]),
    );
    expect(asked).toEqual([['b', 'c']]);
    const again = await cache.getMany(['a', 'b', 'c'], async (missing) => {
      asked.push(missing);
      return new Map(missing.map((key) => [key, `${key}2`]));
    });
    expect(asked[1]).toEqual(['b']);
    expect(again.get('b')).toBe('b2');
    expect(again.get('c')).toBe('c1');
  });
});
