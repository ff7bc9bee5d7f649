import { describe, expect, it } from 'vitest';
import { listProductsQuery, searchQuery } from './query-params.ts';

describe('query parameters', () => {
  it('defaults page 1 and limit 20, and reads prices as minor units', () => {
    expect(listProductsQuery.parse({ min_price: '19.99', max_price: '100' })).toEqual({
      page: 1,
      limit: 20,
      min_price: 1999,
      max_price: 10000,
    });
  });

  it.each([
    { page: '0' },
    { page: '1e3' },
    { limit: '101' },
    { limit: ' 5' },
    { page: ['1', '2'] },
    { min_price: '1.999' },
    { max_price: '-3' },
    { sort_by: 'cheap' },
    { min_price: '10', max_price: '9.99' },
  ])('refuses %o', (query) => {
    expect(listProductsQuery.safeParse(query).success).toBe(false);
  });

  it('needs a non-empty q for search', () => {
    expect(searchQuery.safeParse({}).success).toBe(false);
    expect(searchQuery.safeParse({ q: '   ' }).success).toBe(false);
    expect(searchQuery.parse({ q: ' headphone ', limit: '100' })).toEqual({
      q: 'headphone',
      page: 1,
      limit: 100,
    });
  });
});
