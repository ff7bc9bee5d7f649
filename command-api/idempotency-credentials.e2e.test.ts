import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, commandClient } from '../test/api-client/clients.ts';
import { assertErrorBody } from '../test/support/http.ts';
import { type CommandApiForTest, signUp, startCommandApiForTest } from './test-support.ts';

/**
 * Issue 12: an idempotent replay handed a spent refresh token's live pair back, skipping reuse detection,
 * and login/refresh bodies (tokens) sat in Redis for 24 h. Login, refresh and logout are now outside
 * Idempotency-Key handling (docs/hardening.md): the key is accepted, nothing is stored, every call runs.
 */
let api: CommandApiForTest;
beforeAll(async () => {
  api = await startCommandApiForTest('idem-credentials');
});
afterAll(async () => {
  await api?.close();
});

// Every call goes through the client generated from docs/openapi/command-api.json; the key is its
// declared Idempotency-Key header parameter.
const client = (token?: string) => commandClient(api.http.url, token);
const withKey = (key: string) => ({ header: { 'Idempotency-Key': key } });
const refresh = (refresh_token: string, key?: string) =>
  answer(
    client().POST('/api/v1/users/refresh', {
      body: { refresh_token },
      ...(key ? { params: withKey(key) } : {}),
    }),
  );
const login = (body: { email: string; password: string }, key: string) =>
  answer(client().POST('/api/v1/users/login', { body, params: withKey(key) }));
const logout = (token: string, key: string) =>
  answer(client(token).POST('/api/v1/users/logout', { params: withKey(key) }));
const editProfile = (token: string) =>
  answer(client(token).PUT('/api/v1/users/profile', { body: { first_name: 'X' } }));

/** Every value under this file's Redis prefix (strings, set members, hash fields), as one text. */
async function everythingInRedis(): Promise<{ keys: string[]; text: string }> {
  const prefix = api.redis.options.keyPrefix ?? '';
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await api.redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    keys.push(...found.map((k) => k.slice(prefix.length)));
  } while (cursor !== '0');
  const values: string[] = [];
  for (const key of keys) {
    const type = await api.redis.type(key);
    if (type === 'string') values.push((await api.redis.get(key)) ?? '');
    if (type === 'set') values.push(...(await api.redis.smembers(key)));
    if (type === 'hash') values.push(JSON.stringify(await api.redis.hgetall(key)));
  }
  // Idempotency records keep bodies in base64: decode anything that looks like it.
  const decoded = values.map(
    (v) => `${v}\n${Buffer.from(v.replace(/^.*"body":"([^"]*)".*$/s, '$1'), 'base64')}`,
  );
  return { keys, text: decoded.join('\n') };
}

describe('credentials and Idempotency-Key', () => {
  it('a spent refresh token sent again with the same key is refused and revokes the family', async () => {
    const user = await signUp(api.http);
    const first = await refresh(user.refreshToken, 'refresh-1');
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const again = await refresh(user.refreshToken, 'refresh-1');
    assertErrorBody(again, 401, 'AUTH_1003');
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(again.text).not.toContain(first.body.refresh_token);

    // Reuse detection ran: the pair the first refresh issued is dead too.
    const rotated = await refresh(first.body.refresh_token);
    assertErrorBody(rotated, 401, 'AUTH_1003');
    const profile = await editProfile(first.body.access_token);
    expect(profile.status).toBe(401);
  });

  it('login with a key runs each time, and logout with a key revokes each time', async () => {
    const user = await signUp(api.http);
    const credentials = { email: user.email, password: user.password };
    const one = await login(credentials, 'login-1');
    const two = await login(credentials, 'login-1');
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(two.headers.get('idempotent-replayed')).toBeNull();
    expect(two.body.access_token).not.toBe(one.body.access_token);

    // A wrong password with the same key is checked, not answered from a stored 200.
    const wrong = await login({ ...credentials, password: 'Wrong#1234' }, 'login-1');
    assertErrorBody(wrong, 401, 'AUTH_1001');

    for (const session of [one, two]) {
      const out = await logout(session.body.access_token, 'logout-1');
      expect(out.status).toBe(204);
      expect(out.headers.get('idempotent-replayed')).toBeNull();
    }
    expect((await editProfile(two.body.access_token)).status).toBe(401);
  });

  it('no token is kept in Redis: no idempotency record of these routes, no token text anywhere', async () => {
    const user = await signUp(api.http);
    const loggedIn = await login({ email: user.email, password: user.password }, 'login-2');
    const refreshed = await refresh(loggedIn.body.refresh_token, 'refresh-2');
    expect(refreshed.status).toBe(200);
    const { keys, text } = await everythingInRedis();
    expect(keys.filter((k) => k.startsWith('idem:'))).toEqual([]);
    for (const token of [
      loggedIn.body.access_token,
      loggedIn.body.refresh_token,
      refreshed.body.access_token,
      refreshed.body.refresh_token,
    ]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(String(token).split('.')[2]); // not even the signature
    }
  });
});
