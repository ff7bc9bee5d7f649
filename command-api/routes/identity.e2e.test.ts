import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamNotFound } from '../../infra/eventstore/errors.ts';
import { type Answer, answer, commandClient, invalid } from '../../test/api-client/clients.ts';
import type { components } from '../../test/api-client/command-api.d.ts';
import { assertErrorBody } from '../../test/support/http.ts';
import { bootstrapAdmin } from '../identity/bootstrap-admin.ts';
import { emailStreamFor } from '../identity/register-user.ts';
import { type CommandApiForTest, signUp, startCommandApiForTest } from '../test-support.ts';

let api: CommandApiForTest;
beforeAll(async () => {
  api = await startCommandApiForTest('identity');
});
afterAll(async () => {
  await api?.close();
});

// Every call goes through the client generated from docs/openapi/command-api.json, and every answer is
// checked against its route's declared schema (test/api-client/response-check.ts).
type Schemas = components['schemas'];
type Options<B = never> = { body?: B; token?: string; headers?: Record<string, string> };
const client = (token?: string) => commandClient(api.http.url, token);
const register = ({ body, token, headers }: Options<Schemas['postUsersRegisterBody']> = {}) =>
  answer(client(token).POST('/api/v1/users/register', { body: body as never, headers }));
const logIn = ({ body, token, headers }: Options<Schemas['postUsersLoginBody']>) =>
  answer(client(token).POST('/api/v1/users/login', { body: body as never, headers }));
const refresh = ({ body }: Options<Schemas['postUsersRefreshBody']>) =>
  answer(client().POST('/api/v1/users/refresh', { body: body as never }));
const logout = ({ token }: Options = {}) => answer(client(token).POST('/api/v1/users/logout'));
const updateProfile = ({ body, token, headers }: Options<Schemas['putUsersProfileBody']>) =>
  answer(client(token).PUT('/api/v1/users/profile', { body: body as never, headers }));
const grantRole = (user_id: string, { body, token }: Options<Schemas['postUsersUserIdRolesBody']>) =>
  answer(
    client(token).POST('/api/v1/users/{user_id}/roles', {
      params: { path: { user_id } },
      body: body as never,
    }),
  );
const uniqueEmail = (tag: string) => `${tag}-${Math.random().toString(36).slice(2, 10)}@example.com`;

/** The request is refused with this status and code, and the event store did not move. */
async function refused<R extends Answer<unknown>>(status: number, code: string, send: () => Promise<R>) {
  const before = await api.head();
  const response = await send();
  assertErrorBody(response, status, code);
  expect(await api.head()).toBe(before);
  return response;
}

describe('POST /users/register', () => {
  it('registers: 201, profile, ETag, consistency token; email claim, user and credentials streams', async () => {
    const email = uniqueEmail('reg');
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const response = await register({
      // A role in the body is not part of the contract: sent on purpose, to see it ignored.
      body: invalid({
        email: ` ${email.toUpperCase()} `,
        password: 'Secret#123',
        first_name: 'Ada',
        last_name: 'Lovelace',
        phone: '+441234567890',
        role: 'admin',
      }),
      headers: { 'x-request-id': 'client-req-1', traceparent },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      email,
      first_name: 'Ada',
      last_name: 'Lovelace',
      phone: '+441234567890',
      role: 'customer', // a role in the body is ignored
      verification_required: true,
    });
    expect(response.body.user_id).toMatch(/^usr_/);
    expect(Date.parse(response.body.created_at)).not.toBeNaN();
    expect(response.headers.get('etag')).toBe('"0"');
    expect(response.headers.get('x-consistency-token')).toMatch(/^\d+\.\d+$/);
    expect(response.headers.get('x-request-id')).toBe('client-req-1');
    const userId = response.body.user_id as string;

    const [claim] = await api.store.readStream(emailStreamFor(api.store, email));
    expect(claim).toMatchObject({ type: 'EmailClaimed', data: { user_id: userId } });
    const [registered] = await api.store.readStream(`user-${userId}`);
    expect(registered).toMatchObject({
      type: 'UserRegistered',
      data: { email, role: 'customer' },
      metadata: { correlation_id: 'client-req-1', request_id: 'client-req-1', traceparent },
    });
    const [password] = await api.store.readStream(`credentials-${userId}`);
    expect(password?.type).toBe('PasswordSet');
    expect(password?.data.password_hash).toMatch(/^\$argon2id\$/);
    // The password itself is nowhere; the hash only in the credentials stream.
    const text = (e: typeof claim) => JSON.stringify({ data: e?.data, metadata: e?.metadata });
    for (const event of [claim, registered, password]) expect(text(event)).not.toContain('Secret#123');
    expect(text(claim) + text(registered)).not.toContain('argon2');
  });

  it('refuses an email already taken, whatever its case: 409 RES_3002, nothing appended', async () => {
    const email = uniqueEmail('taken');
    await signUp(api.http, { email });
    await refused(409, 'RES_3002', () =>
      register({
        body: { email: email.toUpperCase(), password: 'Other#1234', first_name: 'B', last_name: 'C' },
      }),
    );
  });

  it('finishes a registration that died after claiming its email, but never hands over another role', async () => {
    // What a crash between the claim and the user stream leaves: a claim with no account behind it.
    const email = uniqueEmail('dangling');
    const dangling = `usr_dangling_${Math.random().toString(36).slice(2, 10)}`;
    const claim = { user_id: dangling, schema_version: 1, claimed_at: new Date().toISOString() };
    await api.store.appendToStream(
      emailStreamFor(api.store, email),
      [{ id: crypto.randomUUID(), type: 'EmailClaimed', data: claim }],
      {
        expectedRevision: 'no_stream',
      },
    );
    const finished = await register({
      body: { email, password: 'Secret#123', first_name: 'Late', last_name: 'Comer' },
    });
    expect(finished.status).toBe(201);
    expect(finished.body.user_id).toBe(dangling);
    const login = await logIn({ body: { email, password: 'Secret#123' } });
    expect(login.status).toBe(200);
    await refused(409, 'RES_3002', () =>
      register({ body: { email, password: 'Other#1234', first_name: 'B', last_name: 'C' } }),
    );

    // A half-made admin (user stream written, credentials not) is not adopted by a customer's registration.
    const adminEmail = uniqueEmail('half-admin');
    const halfAdmin = `usr_halfadmin_${Math.random().toString(36).slice(2, 10)}`;
    await api.store.appendToStream(
      emailStreamFor(api.store, adminEmail),
      [{ id: crypto.randomUUID(), type: 'EmailClaimed', data: { ...claim, user_id: halfAdmin } }],
      { expectedRevision: 'no_stream' },
    );
    const registered = {
      schema_version: 1,
      user_id: halfAdmin,
      email: adminEmail,
      first_name: 'Half',
      last_name: 'Admin',
      phone: null,
      role: 'admin',
      registered_at: new Date().toISOString(),
    };
    await api.store.appendToStream(
      `user-${halfAdmin}`,
      [{ id: crypto.randomUUID(), type: 'UserRegistered', data: registered }],
      {
        expectedRevision: 'no_stream',
      },
    );
    await refused(409, 'RES_3002', () =>
      register({
        body: { email: adminEmail, password: 'Secret#123', first_name: 'C', last_name: 'D' },
      }),
    );
  });

  it('lets exactly one of concurrent registrations of one email win', async () => {
    const email = uniqueEmail('race');
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        register({
          body: { email, password: 'Secret#123', first_name: `N${i}`, last_name: 'R' },
        }),
      ),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expect(await api.store.readStream(emailStreamFor(api.store, email))).toHaveLength(1);
  });

  it('answers VAL_2002 with each missing field listed', async () => {
    const response = await refused(400, 'VAL_2002', () =>
      register({ body: invalid({ email: uniqueEmail('m') }) }),
    );
    expect(response.body.error.details.map((d) => d.field).sort()).toEqual([
      'first_name',
      'last_name',
      'password',
    ]);
    await refused(400, 'VAL_2002', () => register());
  });

  it.each([
    ['a weak password', { password: 'password' }, 'password'],
    ['a long password', { password: `Aa1!${'x'.repeat(125)}` }, 'password'],
    ['an invalid email', { email: 'not-an-email' }, 'email'],
    ['a phone that is not E.164', { phone: '555-1234' }, 'phone'],
    ['an empty name', { first_name: '   ' }, 'first_name'],
    ['a name of the wrong type', { last_name: 42 }, 'last_name'],
  ])('answers VAL_2001 for %s', async (_what, change, field) => {
    const body = {
      email: uniqueEmail('v'),
      password: 'Secret#123',
      first_name: 'A',
      last_name: 'B',
      ...change,
    };
    const response = await refused(400, 'VAL_2001', () => register({ body: invalid(body) }));
    expect(response.body.error.details).toContainEqual(expect.objectContaining({ field }));
  });

  it('stores SQL, HTML and unicode verbatim and returns them verbatim', async () => {
    const first_name = "Robert'); DROP TABLE messages;--";
    const last_name = '<script>alert("x")</script> Zoë 😀 名前 \u202e';
    const email = uniqueEmail('verbatim');
    const response = await register({
      body: { email, password: 'Secret#123', first_name, last_name },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ first_name, last_name });
    const login = await logIn({ body: { email, password: 'Secret#123' } });
    expect(login.body.user).toMatchObject({ first_name, last_name });
  });
});

describe('POST /users/login', () => {
  it('returns a token pair and the user', async () => {
    const email = uniqueEmail('login');
    await signUp(api.http, { email });
    const response = await logIn({
      body: { email: email.toUpperCase(), password: 'Secret#123' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 900,
      user: { email, first_name: 'Test', last_name: 'User', role: 'customer' },
    });
    expect(response.body.access_token.split('.')).toHaveLength(3);
    expect(response.body.refresh_token).not.toBe(response.body.access_token);
  });

  it('answers AUTH_1001 alike for a wrong password and an unknown email, in about the same time', async () => {
    const email = uniqueEmail('oracle');
    await signUp(api.http, { email });
    const timed = async (body: object) => {
      const start = performance.now();
      const response = await refused(401, 'AUTH_1001', () => logIn({ body: invalid(body) }));
      return { ms: performance.now() - start, message: response.body.error.message };
    };
    await timed({ email: uniqueEmail('warm'), password: 'Wrong#123' });
    const wrong: number[] = [];
    const unknown: number[] = [];
    let messages = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const a = await timed({ email, password: 'Wrong#1234' });
      const b = await timed({ email: uniqueEmail('nobody'), password: 'Wrong#1234' });
      wrong.push(a.ms);
      unknown.push(b.ms);
      messages = new Set([...messages, a.message, b.message]);
    }
    expect(messages.size).toBe(1);
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const ratio = median(unknown) / median(wrong);
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(1.6);
  });

  it('answers VAL_2002 without a password', async () => {
    await refused(400, 'VAL_2002', () => logIn({ body: invalid({ email: uniqueEmail('x') }) }));
  });
});

describe('POST /users/refresh', () => {
  it('rotates: a new pair; the spent token presented again revokes every session of the user', async () => {
    const user = await signUp(api.http);
    const second = await logIn({ body: { email: user.email, password: user.password } });
    const rotated = await refresh({ body: { refresh_token: user.refreshToken } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.user.user_id).toBe(user.userId);
    expect(rotated.body.refresh_token).not.toBe(user.refreshToken);
    const profile = await updateProfile({
      token: rotated.body.access_token,
      body: { first_name: 'Rotated' },
    });
    expect(profile.status).toBe(200);

    await refused(401, 'AUTH_1003', () => refresh({ body: { refresh_token: user.refreshToken } }));
    // Reuse detected: the rotated pair and the other login are dead too.
    await refused(401, 'AUTH_1003', () => refresh({ body: { refresh_token: rotated.body.refresh_token } }));
    await refused(401, 'AUTH_1003', () => refresh({ body: { refresh_token: second.body.refresh_token } }));
    await refused(401, 'AUTH_1003', () =>
      updateProfile({ token: rotated.body.access_token, body: { first_name: 'X' } }),
    );
    // A fresh login works again.
    expect((await logIn({ body: { email: user.email, password: user.password } })).status).toBe(200);
  });

  it('refuses garbage and an access token offered as a refresh token', async () => {
    const user = await signUp(api.http);
    await refused(401, 'AUTH_1003', () => refresh({ body: { refresh_token: 'garbage' } }));
    await refused(401, 'AUTH_1003', () => refresh({ body: { refresh_token: user.accessToken } }));
    await refused(400, 'VAL_2002', () => refresh({ body: invalid({}) }));
  });
});

describe('POST /users/logout', () => {
  it('revokes the access token and its refresh token at once', async () => {
    const user = await signUp(api.http);
    const other = await logIn({ body: { email: user.email, password: user.password } });
    const before = await api.head();
    const response = await logout({ token: user.accessToken });
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expect(await api.head()).toBe(before);
    await refused(401, 'AUTH_1003', () =>
      updateProfile({ token: user.accessToken, body: { first_name: 'X' } }),
    );
    await refused(401, 'AUTH_1003', () => refresh({ body: { refresh_token: user.refreshToken } }));
    // Another session of the same user is a different family and keeps working.
    const still = await updateProfile({
      token: other.body.access_token,
      body: { first_name: 'Still' },
    });
    expect(still.status).toBe(200);
  });

  it('requires a token', async () => {
    const response = await refused(401, 'AUTH_1003', () => logout());
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });
});

describe('PUT /users/profile', () => {
  it('changes the profile; ETag moves; If-Match holds or fails with 412', async () => {
    const user = await signUp(api.http);
    const first = await updateProfile({
      token: user.accessToken,
      body: { first_name: 'Grace', phone: '+15551234567' },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      user_id: user.userId,
      first_name: 'Grace',
      last_name: 'User',
      phone: '+15551234567',
    });
    expect(first.headers.get('etag')).toBe('"1"');
    expect(first.headers.get('x-consistency-token')).toMatch(/^\d+\.\d+$/);

    const second = await updateProfile({
      token: user.accessToken,
      body: { phone: null },
      headers: { 'if-match': '"1"' },
    });
    expect(second.status).toBe(200);
    expect(second.body.phone).toBeNull();
    expect(second.headers.get('etag')).toBe('"2"');

    await refused(412, 'RES_3003', () =>
      updateProfile({
        token: user.accessToken,
        body: { last_name: 'Hopper' },
        headers: { 'if-match': '"1"' },
      }),
    );
    await refused(400, 'VAL_2001', () =>
      updateProfile({
        token: user.accessToken,
        body: { last_name: 'Hopper' },
        headers: { 'if-match': 'yesterday' },
      }),
    );
  });

  it('decides nothing for an unchanged profile, still 200 with its ETag', async () => {
    const user = await signUp(api.http);
    const before = await api.head();
    const same = await updateProfile({ token: user.accessToken, body: { first_name: 'Test' } });
    expect(same.status).toBe(200);
    expect(same.headers.get('etag')).toBe('"0"');
    expect(await api.head()).toBe(before);
  });

  it('refuses an empty change, a bad phone, and no token', async () => {
    const user = await signUp(api.http);
    await refused(400, 'VAL_2001', () => updateProfile({ token: user.accessToken, body: {} }));
    await refused(400, 'VAL_2001', () => updateProfile({ token: user.accessToken, body: { phone: '12' } }));
    await refused(401, 'AUTH_1003', () => updateProfile({ body: { first_name: 'X' } }));
  });
});

describe('POST /users/{user_id}/roles and the bootstrap admin', () => {
  it('creates the bootstrap admin once; an admin grants a role', async () => {
    const admin = await api.admin('root@example.com', 'Admin#Pass1');
    const again = await bootstrapAdmin(api.context, { email: 'ROOT@example.com', password: 'Admin#Pass1' });
    expect(again).toEqual({ userId: admin.userId, created: false });
    expect(await api.store.readStream(emailStreamFor(api.store, 'root@example.com'))).toHaveLength(1);

    const user = await signUp(api.http);
    const granted = await grantRole(user.userId, {
      token: admin.accessToken,
      body: { role: 'auditor' },
    });
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ user_id: user.userId, role: 'auditor' });
    expect(granted.headers.get('etag')).toBe('"1"');
    const [, event] = await api.store.readStream(`user-${user.userId}`);
    expect(event).toMatchObject({
      type: 'UserRoleGranted',
      data: { role: 'auditor', granted_by: admin.userId },
    });
    const login = await logIn({ body: { email: user.email, password: user.password } });
    expect(login.body.user.role).toBe('auditor');
  });

  it('refuses a customer (403), an unknown or malformed user id (404), a bad role (400)', async () => {
    const admin = await api.admin('root@example.com', 'Admin#Pass1');
    const user = await signUp(api.http);
    await refused(403, 'AUTH_1004', () =>
      grantRole(user.userId, { token: user.accessToken, body: { role: 'admin' } }),
    );
    await refused(404, 'RES_3001', () =>
      grantRole('usr_doesnotexist', { token: admin.accessToken, body: { role: 'admin' } }),
    );
    await refused(400, 'VAL_2001', () =>
      grantRole(user.userId, { token: admin.accessToken, body: invalid({ role: 'superuser' }) }),
    );
    // A malformed id names no user: 404 as for an unknown one (ids cannot be probed), not 400.
    await refused(404, 'RES_3001', () =>
      grantRole('not-an-id', { token: admin.accessToken, body: { role: 'admin' } }),
    );
  });

  it('never promotes an existing account whose email is the bootstrap email', async () => {
    const squatter = await signUp(api.http, { email: 'early@example.com' });
    const outcome = await bootstrapAdmin(api.context, {
      email: 'early@example.com',
      password: 'Admin#Pass1',
    });
    expect(outcome).toEqual({ userId: squatter.userId, created: false });
    const login = await logIn({
      body: { email: 'early@example.com', password: squatter.password },
    });
    expect(login.body.user.role).toBe('customer');
  });

  it('refuses a bootstrap password that does not meet the policy', async () => {
    await expect(
      bootstrapAdmin(api.context, { email: 'weak@example.com', password: 'weak' }),
    ).rejects.toThrow(/policy/);
    await expect(api.store.readStream(emailStreamFor(api.store, 'weak@example.com'))).rejects.toBeInstanceOf(
      StreamNotFound,
    );
  });
});
