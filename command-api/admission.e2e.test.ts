// Raw HTTP, not the generated client (test/api-client/, docs/api.md), on purpose: it checks Redis admission
// (revocation, rate limits, idempotency) on a test-only probe route that the OpenAPI document does not
// hold.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertErrorBody } from '../test/support/http.ts';
import { redisMonitor } from '../test/support/redis-monitor.ts';
import { defaultRouteModules } from './app.ts';
import { type RouteModule, route } from './routing.ts';
import { type CommandApiForTest, signUp, startCommandApiForTest } from './test-support.ts';

// A POST that has everything a command route asks of Redis: a signed-in caller (revocation), the general
// limit, the checkout limit and an Idempotency-Key.
let runs = 0;
const probe: RouteModule = () => [
  route({
    method: 'post',
    path: '/probe/admitted',
    access: 'authenticated',
    limit: 'checkout',
    response: { status: 201 },
    handle: async () => ({ status: 201, body: { run: ++runs } }),
  }),
];

let api: CommandApiForTest;
let monitor: Awaited<ReturnType<typeof redisMonitor>>;
let prefix: string;
beforeAll(async () => {
  api = await startCommandApiForTest(
    'admission',
    { RATE_LIMIT_CHECKOUT_PER_MIN: '3', RATE_LIMIT_GENERAL_PER_MIN: '50' },
    { routes: [...defaultRouteModules, probe] },
  );
  prefix = api.redis.options.keyPrefix ?? '';
  monitor = await redisMonitor(api.redis, prefix);
});
afterAll(async () => {
  monitor?.close();
  await api?.close();
});

/** Waits until the response of `key` (sent by `userId`) is kept in Redis as done. */
async function keptResponse(userId: string, key: string) {
  const redisKey = `idem:user:${userId}:${createHash('sha256').update(key).digest('hex')}`;
  for (;;) {
    const stored = await api.redis.get(redisKey);
    if (stored && (JSON.parse(stored) as { state: string }).state === 'done') return;
    await sleep(20);
  }
}

describe('admission: the Redis work of a request in one round trip', () => {
  it('checks revocation, both limits and the Idempotency-Key in one script before the handler runs', async () => {
    const user = await signUp(api.http);
    const send = (key: string) =>
      api.http.request('POST', '/api/v1/probe/admitted', {
        token: user.accessToken,
        body: { n: 1 },
        headers: { 'idempotency-key': key },
      });
    expect((await send('warm-up')).status).toBe(201); // loads the script into Redis (EVALSHA's miss)
    // Its kept response is written after it was sent: wait for that SET, so it is not seen below.
    await keptResponse(user.userId, 'warm-up');

    let first: Awaited<ReturnType<typeof send>> | undefined;
    const commands = await monitor.commandsDuring(async () => {
      first = await send('key-1');
    }, 200); // the idempotent response is kept after it is sent
    expect(first?.status).toBe(201);
    expect(first?.headers.get('ratelimit-remaining')).toBe('1');
    // One script on the way in, one SET of the kept response after it was sent.
    expect(commands).toEqual(['evalsha', 'set']);

    // The same key replays from that one round trip, without running the handler.
    const runsBefore = runs;
    const replayCommands = await monitor.commandsDuring(async () => {
      const replayed = await send('key-1');
      expect(replayed.status).toBe(201);
      expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    }, 200); // the idempotent response is kept after it is sent
    expect(runs).toBe(runsBefore);
    expect(replayCommands).toEqual(['evalsha']);

    // The checkout limit (3 a minute) refuses the next new key in the same round trip.
    const limitedCommands = await monitor.commandsDuring(async () => {
      assertErrorBody(await send('key-2'), 429, 'RATE_4291');
    }, 200); // the idempotent response is kept after it is sent
    expect(limitedCommands).toEqual(['evalsha']);
  });

  it('refuses a revoked token in that round trip, before any limit or key is touched', async () => {
    const user = await signUp(api.http);
    const logout = await api.http.request('POST', '/api/v1/users/logout', { token: user.accessToken });
    expect(logout.status).toBe(204);
    const counted = await api.redis.get(`rl:general:${user.userId}`);
    const commands = await monitor.commandsDuring(async () => {
      const refused = await api.http.request('POST', '/api/v1/probe/admitted', {
        token: user.accessToken,
        body: {},
        headers: { 'idempotency-key': 'after-logout' },
      });
      assertErrorBody(refused, 401, 'AUTH_1003');
    }, 200); // the idempotent response is kept after it is sent
    expect(commands).toEqual(['evalsha']);
    expect(await api.redis.get(`rl:general:${user.userId}`)).toBe(counted);
  });
});
