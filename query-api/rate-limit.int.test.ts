import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadSideForTest, type ReadSideForTest } from '../projections/test-support.ts';
import { assertErrorBody } from '../test/support/http.ts';
import { startQueryApiForTest } from './test-support.ts';

/** Issue 12: the query API had no rate limit. RATE_LIMIT_QUERY_PER_MIN counts /api/v1 requests per IP. */
let side: ReadSideForTest;
let api: Awaited<ReturnType<typeof startQueryApiForTest>>;

beforeAll(async () => {
  side = await createReadSideForTest('query-rate-limit');
  api = await startQueryApiForTest(side, { rateLimitPerMin: 3 });
});
afterAll(async () => {
  await api?.close();
  await side?.close();
});

describe('query API rate limit', () => {
  it('answers 429 RATE_4291 with Retry-After past the limit; health, readiness and metrics stay open', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1)
      statuses.push((await api.http.request('GET', '/api/v1/products/search?q=x')).status);
    expect(statuses.every((s) => s !== 429)).toBe(true);
    const refused = await api.http.request('GET', '/api/v1/products?limit=1');
    assertErrorBody(refused, 429, 'RATE_4291');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await api.http.request('GET', '/health')).status).toBe(200);
    expect((await api.http.request('GET', '/metrics')).status).toBe(200);
  });
});
