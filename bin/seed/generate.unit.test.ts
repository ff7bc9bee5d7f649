import { describe, expect, it } from 'vitest';
import { CATEGORIES } from './categories.ts';
import { productBody, seedUser } from './generate.ts';
import { createRng } from './prng.ts';
import { variantBodies } from './variant-seed.ts';
import { BRANDS } from './words.ts';

describe('seed generator', () => {
  it('has 30 categories and 200 distinct brands', () => {
    expect(CATEGORIES).toHaveLength(30);
    expect(new Set(CATEGORIES.map((c) => c.name)).size).toBe(30);
    expect(new Set(BRANDS).size).toBe(200);
  });

  it('the same seed and index give the same product; others differ', () => {
    expect(productBody(createRng(7), 12)).toEqual(productBody(createRng(7), 12));
    expect(productBody(createRng(8), 12)).not.toEqual(productBody(createRng(7), 12));
    expect(seedUser(createRng(3), 4)).toEqual(seedUser(createRng(3), 4));
  });

  it('products are valid POST /products bodies spread over every category', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 300; i += 1) {
      const p = productBody(createRng(i), i);
      seen.add(p.category);
      expect(p.name.length).toBeGreaterThan(0);
      expect(p.name.length).toBeLessThanOrEqual(255);
      expect(p.price).toBeGreaterThan(0);
      expect(Math.round(p.price * 100)).toBeCloseTo(p.price * 100, 6);
      expect(p.initial_stock).toBeGreaterThanOrEqual(0);
      expect(p.description).toMatch(/^[A-Z].+\.$/);
    }
    expect(seen.size).toBe(30);
  });

  it('skewed picks favour the first items', () => {
    const rng = createRng(1);
    const picks = Array.from({ length: 10_000 }, () => rng.skewed(100));
    const low = picks.filter((p) => p < 10).length;
    expect(low).toBeGreaterThan(3_000);
    expect(Math.max(...picks)).toBeLessThan(100);
  });
});

describe('variantBodies', () => {
  it('gives apparel at even indexes two colours in every size, with distinct SKUs, and others none', () => {
    const shirts = variantBodies(createRng(7), 0, { category: 'Clothing', sku: 'ABC-000001' });
    expect(shirts).toHaveLength(8);
    expect(new Set(shirts.map((v) => v.sku)).size).toBe(8);
    expect(new Set(shirts.map((v) => JSON.stringify(v.options))).size).toBe(8);
    expect(variantBodies(createRng(7), 1, { category: 'Clothing', sku: 'X' })).toEqual([]);
    expect(variantBodies(createRng(7), 0, { category: 'Books', sku: 'X' })).toEqual([]);
  });
});
