import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyCache } from './key-cache.ts';

describe('the data key cache', () => {
  it('evicts the least recently used subject, not the oldest inserted', () => {
    const cache = new KeyCache(2);
    const [a, b, c] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    cache.set('usr_a', a);
    cache.set('usr_b', b);
    expect(cache.get('usr_a')).toBe(a);
    cache.set('usr_c', c);
    expect(cache.get('usr_b')).toBeUndefined();
    expect(cache.get('usr_a')).toBe(a);
    expect(cache.get('usr_c')).toBe(c);
    expect(cache.size).toBe(2);
  });

  it('keeps an erasure final: a live key read before the destruction cannot come back', () => {
    const cache = new KeyCache(10);
    cache.set('usr_a', randomBytes(32));
    cache.set('usr_a', 'erased');
    cache.set('usr_a', randomBytes(32));
    expect(cache.get('usr_a')).toBe('erased');
  });
});
