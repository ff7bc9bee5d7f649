import { describe, expect, it } from 'vitest';
import { type PricingSource, readOnce } from './pricing-source.ts';

describe('readOnce', () => {
  it('reads each product’s rules and each tier once per request, however often it prices', async () => {
    const reads: string[] = [];
    const source: PricingSource = {
      rulesFor: async (product, now) => {
        reads.push(`rules ${product.productId} ${now.toISOString()}`);
        return { rules: [], categories: [] };
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

  it('keeps no failed read: the next pricing of the request reads again', async () => {
    let calls = 0;
    const once = readOnce({
      rulesFor: async () => ({ rules: [], categories: [] }),
      tierOf: async () => {
        calls += 1;
        if (calls === 1) throw new Error('connection reset');
        return 'silver';
      },
    });
    await expect(once.tierOf('usr_a')).rejects.toThrow('connection reset');
    expect(await once.tierOf('usr_a')).toBe('silver');
    expect(await once.tierOf('usr_a')).toBe('silver');
    expect(calls).toBe(2);
  });
});
