import { describe, expect, it } from 'vitest';
import { type PricingSource, readOnce } from './pricing-source.ts';

describe('readOnce', () => {
  it('reads each product’s rules and each tier once per request, however often it prices', async () => {
    const reads: string[] = [];
    const source: PricingSource = {
      rulesFor: async (product, now) => {
        reads.push(`rules ${product.productId} ${now.toISOString()}`);
        return [];
      },
      tierOf: async (userId) => {
        reads.push(`tier ${userId}`);
        return 'gold';
      },
    };
    const once = readOnce(source);
    const now = new Date('2026-12-06T12:00:00Z');
    const later = new Date('2026-12-06T12:00:01Z');
    const lamp = { productId: 'prd_lamp', category: 'lighting' };
    for (let i = 0; i < 3; i++) {
      await once.rulesFor(lamp, now);
      expect(await once.tierOf('usr_a')).toBe('gold');
    }
    await once.rulesFor({ productId: 'prd_desk', category: 'furniture' }, now);
    await once.rulesFor(lamp, later);
    expect(reads).toEqual([
      'rules prd_lamp 2026-12-06T12:00:00.000Z',
      'tier usr_a',
      'rules prd_desk 2026-12-06T12:00:00.000Z',
      'rules prd_lamp 2026-12-06T12:00:01.000Z',
    ]);
  });
});
