// Raw HTTP, not the generated client (test/api-client/, docs/api.md), on purpose: it checks Redis admission
// (revocation and the rate limit) on a test-only probe route that the OpenAPI document does not hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessRevocationKeys } from '../infra/auth/sessions.ts';
import type { AccessClaims } from '../infra/auth/tokens.ts';
import { createReadSideForTest, type ReadSideForTest } from '../projections/test-support.ts';
import { assertErrorBody } from '../test/support/http.ts';
import { redisMonitor } from '../test/support/redis-monitor.ts';
import { type QueryRouteModule, route } from './routing.ts';
import { startQueryApiForTest } from './test-support.ts';

// GET routes that ask Redis nothing of their own: what Redis sees is the admission alone.
const probe: QueryRouteModule = () => [
  route({ method: 'get', path: '/probe/signed-in', access: ['customer'], response: { status: 200 }, handle }),
  route({
    method: 'get',
    path: '/probe/cart',
    access: 'customer-or-guest',
    response: { status: 200 },
    handle,
  }),
];
async function handle() {
  return { status: 200, body: { ok: true } };
}

let side: ReadSideForTest;
let api: Awaited<ReturnType<typeof startQueryApiForTest>>;
let monitor: Awaited<ReturnType<typeof redisMonitor>>;
let prefix: string;
beforeAll(async () => {
  side = await createReadSideForTest('query-admission');
  api = await startQueryApiForTest(side, { rateLimitPerMin: 6, extraRoutes: [probe] });
  prefix = side.redis.options.keyPrefix ?? '';
  monitor = await redisMonitor(side.redis, prefix);
});
afterAll(async () => {
  monitor?.close();
  await api?.close();
  await side?.close();
});

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as AccessClaims;

describe('query API admission: revocation and the rate limit in one round trip', () => {
  it('checks a signed-in request, then a guest, in one script each; past the limit 429 in the same trip', async () => {
    const token = api.token('customer', 'usr_admitted');
    const get = (path: string, headers: Record<string, string>) =>
      api.http.request('GET', `/api/v1/probe/${path}`, { headers });
    expect((await get('signed-in', { authorization: `Bearer ${token}` })).status).toBe(200); // loads the script

    let answer: Awaited<ReturnType<typeof get>> | undefined;
    const signedIn = await monitor.commandsDuring(async () => {
      answer = await get('signed-in', { authorization: `Bearer ${token}` });
    });
    expect(answer?.status).toBe(200);
    expect(answer?.headers.get('ratelimit-remaining')).toBe('4');
    expect(signedIn).toEqual(['evalsha']);

    const guest = await monitor.commandsDuring(async () => {
      answer = await get('cart', { 'x-cart-token': `gct_${'a'.repeat(43)}` });
    });
    expect(answer?.status).toBe(200);
    expect(guest).toEqual(['evalsha']);

    for (let i = 0; i < 3; i += 1) await get('cart', { 'x-cart-token': `gct_${'b'.repeat(43)}` });
    const limited = await monitor.commandsDuring(async () => {
      assertErrorBody(await get('signed-in', { authorization: `Bearer ${token}` }), 429, 'RATE_4291');
    });
    expect(limited).toEqual(['evalsha']);
  });

  it('refuses a revoked token in that round trip', async () => {
    const token = api.token('customer', 'usr_revoked');
    const [jtiKey] = accessRevocationKeys(claimsOf(token));
    await side.redis.set(jtiKey, '1', 'EX', 60);
    const commands = await monitor.commandsDuring(async () => {
      const refused = await api.http.request('GET', '/api/v1/probe/signed-in', {
        headers: { authorization: `Bearer ${token}` },
      });
      assertErrorBody(refused, 401, 'AUTH_1003');
    });
    expect(commands).toEqual(['evalsha']);
  });
});
