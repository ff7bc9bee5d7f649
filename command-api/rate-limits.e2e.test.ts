import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, commandClient } from '../test/api-client/clients.ts';
import { assertErrorBody, type TestResponse } from '../test/support/http.ts';
import { type CommandApiForTest, signUp, startCommandApiForTest } from './test-support.ts';

let api: CommandApiForTest;
beforeAll(async () => {
  api = await startCommandApiForTest('rate_limits', {
    RATE_LIMIT_AUTH_PER_MIN: '3',
    RATE_LIMIT_CHECKOUT_PER_MIN: '2',
    RATE_LIMIT_GENERAL_PER_MIN: '12',
  });
});
afterAll(async () => {
  await api?.close();
});

const expectLimited = (response: Pick<TestResponse, 'status' | 'headers' | 'body' | 'text'>) => {
  assertErrorBody(response, 429, 'RATE_4291');
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
};

describe('rate limits', () => {
  it('limits login attempts per IP and email (auth), other emails unaffected', async () => {
    const login = (email: string) =>
      answer(
        commandClient(api.http.url).POST('/api/v1/users/login', { body: { email, password: 'Wrong#1234' } }),
      );
    for (let i = 0; i < 3; i++) assertErrorBody(await login('victim@example.com'), 401, 'AUTH_1001');
    expectLimited(await login('VICTIM@example.com'));
    assertErrorBody(await login('someone-else@example.com'), 401, 'AUTH_1001');
    // The limit's keys hold the address's keyed hash, never the address.
    const keys = await api.redis.keys(`${api.redis.options.keyPrefix}rl:auth*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join(' ')).not.toContain('example.com');
  });

  it('limits checkout per user and all requests per user (general), each user on their own', async () => {
    const [alice, bob] = [await signUp(api.http), await signUp(api.http)];
    // A real checkout route: the limit is taken before the handler, which refuses the empty cart.
    const checkout = (token: string) =>
      answer(commandClient(api.http.url, token).POST('/api/v1/checkout/reservations'));
    const profile = (token: string, first_name: string) =>
      answer(commandClient(api.http.url, token).PUT('/api/v1/users/profile', { body: { first_name } }));
    assertErrorBody(await checkout(alice.accessToken), 409, 'BIZ_4003');
    assertErrorBody(await checkout(alice.accessToken), 409, 'BIZ_4003');
    expectLimited(await checkout(alice.accessToken));
    assertErrorBody(await checkout(bob.accessToken), 409, 'BIZ_4003');

    const before = await api.head();
    let limited = 0;
    for (let i = 0; i < 12; i++) {
      const response = await profile(alice.accessToken, `A${i}`);
      if (response.status === 429) {
        expectLimited(response);
        limited++;
      }
    }
    // Alice spent 3 of her 12 on checkout already.
    expect(limited).toBe(3);
    expect((await profile(bob.accessToken, 'B')).status).toBe(200);
    expect(await api.head()).not.toBe(before);
  });
});
