import { describe, expect, it } from 'vitest';
import { averageRating } from './rating.ts';

describe('averageRating', () => {
  it('rounds half up to two decimals exactly, as the read model does', () => {
    expect(averageRating(9 * 5 + 31 * 4, 40)).toBe(4.23); // 4.225
    expect(averageRating(9, 2)).toBe(4.5);
    expect(averageRating(13, 3)).toBe(4.33);
    expect(averageRating(0, 0)).toBe(0);
  });
});
