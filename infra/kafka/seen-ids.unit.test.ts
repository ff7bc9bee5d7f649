import { describe, expect, it } from 'vitest';
import { SeenIds } from './seen-ids.ts';

describe('SeenIds', () => {
  it('lets the first sighting through and counts repeats', () => {
    const seen = new SeenIds(10);
    expect(['a', 'b', 'a', 'c', 'b', 'a'].map((id) => seen.firstSighting(id))).toEqual([
      true,
      true,
      false,
      true,
      false,
      false,
    ]);
    expect(seen.duplicates).toBe(3);
    expect(seen.size).toBe(3);
  });

  it('forgets the least recently seen id beyond its capacity', () => {
    const seen = new SeenIds(2);
    seen.firstSighting('a');
    seen.firstSighting('b');
    seen.firstSighting('a'); // a is now the most recent
    seen.firstSighting('c'); // evicts b
    expect(seen.size).toBe(2);
    expect(seen.firstSighting('a')).toBe(false);
    expect(seen.firstSighting('b')).toBe(true);
  });

  it('refuses a capacity below one', () => {
    expect(() => new SeenIds(0)).toThrow(RangeError);
  });
});
