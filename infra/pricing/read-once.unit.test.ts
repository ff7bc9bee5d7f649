import { describe, expect, it } from 'vitest';
import { type PricingSource, readOnce } from './pricing-source.ts';

describe('readOnce', () => {
  it('reads each product’s rules and each tier once per request, however often it prices', async () => {
    const reads: string[] = [];
    const source: PricingSource = {
      rulesFor: async (product) => {
        reads.push(`rules ${product.productId}`);
        return { rules: [], categories: [] };
      },
      tierOf: async (userId) => {
        reads.push(`tier ${userId}`);
        return 'gold';
      },
    };
    const once = readOnce(source);
    const lamp = { productId: 'prd_lamp', category: 'lighting' };
    for (let i = 0; i < 3; i++) {
      await once.rulesFor(lamp);
      expect(await once.tierOf('usr_a')).toBe('gold');
    }
    await once.rulesFor({ productId: 'prd_desk', category: 'furniture' });
    await once.rulesFor({ ...lamp, category: 'desks' });
    expect(reads).toEqual(['rules prd_lamp', 'tier usr_a', 'rules prd_desk', 'rules prd_lamp']);
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
