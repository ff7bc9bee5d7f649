// Raw HTTP, not the generated client (test/api-client/, docs/api.md), on purpose: it forges and mangles
// tokens and headers, which a typed client would not send.
import { createHmac, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertErrorBody, type TestResponse } from '../test/support/http.ts';
import { type CommandApiForTest, signUp, startCommandApiForTest } from './test-support.ts';

// This app signs with RS256, so the classic key-confusion attack (HS256 keyed with the public key) applies.
const rsa = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

let api: CommandApiForTest;
let customer: Awaited<ReturnType<typeof signUp>>;
let admin: { userId: string; accessToken: string };
beforeAll(async () => {
  api = await startCommandApiForTest('auth_attacks', {
    JWT_SECRET: '',
    JWT_PRIVATE_KEY: rsa.privateKey,
    JWT_PUBLIC_KEY: rsa.publicKey.replace(/\n/g, '\\n'), // as it often arrives through an env file
  });
  customer = await signUp(api.http);
  admin = await api.admin();
});
afterAll(async () => {
  await api?.close();
});

const claimsOf = (token: string) => jwt.decode(token) as Record<string, unknown>;
const now = () => Math.floor(Date.now() / 1000);

/** Tries a token on an authenticated route and on an admin route: both refused, nothing appended. */
async function rejected(token: string, status: number, code: string) {
  const before = await api.head();
  const attempts: TestResponse[] = [
    await api.http.request('PUT', '/api/v1/users/profile', { token, body: { first_name: 'Mallory' } }),
    await api.http.request('POST', `/api/v1/users/${customer.userId}/roles`, {
      token,
      body: { role: 'admin' },
    }),
  ];
  for (const response of attempts) assertErrorBody(response, status, code);
  expect(await api.head()).toBe(before);
}

describe('attacks on the access token', () => {
  it('accepts the genuine RS256 token', async () => {
    expect(jwt.decode(customer.accessToken, { complete: true })?.header.alg).toBe('RS256');
    const ok = await api.http.request('PUT', '/api/v1/users/profile', {
      token: customer.accessToken,
      body: { last_name: 'Real' },
    });
    expect(ok.status).toBe(200);
  });

  it('refuses alg none', async () => {
    const forged = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claimsOf(admin.accessToken) })}.`;
    await rejected(forged, 401, 'AUTH_1003');
  });

  it('refuses an HS256 token signed with the public key', async () => {
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...claimsOf(customer.accessToken), role: 'admin' })}`;
    const signature = createHmac('sha256', rsa.publicKey).update(unsigned).digest('base64url');
    await rejected(`${unsigned}.${signature}`, 401, 'AUTH_1003');
  });

  it('refuses a tampered payload', async () => {
    const [header, , signature] = customer.accessToken.split('.');
    await rejected(
      `${header}.${b64({ ...claimsOf(customer.accessToken), role: 'admin' })}.${signature}`,
      401,
      'AUTH_1003',
    );
    await rejected(
      `${header}.${b64({ ...claimsOf(customer.accessToken), sub: admin.userId })}.${signature}`,
      401,
      'AUTH_1003',
    );
  });

  it('answers AUTH_1002 for an expired genuine token, AUTH_1003 for a forged expired one', async () => {
    const expired = jwt.sign(
      { ...claimsOf(admin.accessToken), iat: now() - 3600, exp: now() - 60 },
      rsa.privateKey,
      { algorithm: 'RS256' },
    );
    await rejected(expired, 401, 'AUTH_1002');
    const [header, , signature] = expired.split('.');
    await rejected(
      `${header}.${b64({ ...claimsOf(expired), role: 'admin', sub: 'usr_x' })}.${signature}`,
      401,
      'AUTH_1003',
    );
  });

  it('refuses a genuine signature with the wrong issuer or audience, or a refresh token as bearer', async () => {
    const sign = (extra: object) =>
      jwt.sign({ ...claimsOf(admin.accessToken), ...extra }, rsa.privateKey, { algorithm: 'RS256' });
    await rejected(sign({ iss: 'someone-else' }), 401, 'AUTH_1003');
    await rejected(sign({ aud: 'another-api' }), 401, 'AUTH_1003');
    await rejected(customer.refreshToken, 401, 'AUTH_1003');
  });

  it('refuses a missing or malformed Authorization header', async () => {
    const before = await api.head();
    for (const authorization of [
      '',
      'Basic YWRtaW46YWRtaW4=',
      'Bearer',
      'Bearer a.b.c',
      `Bearer ${'x'.repeat(5000)}`,
    ]) {
      const response = await api.http.request('PUT', '/api/v1/users/profile', {
        headers: authorization ? { authorization } : {},
        body: { first_name: 'X' },
      });
      assertErrorBody(response, 401, 'AUTH_1003');
    }
    expect(await api.head()).toBe(before);
  });

  it('refuses a customer on an admin route with 403 AUTH_1004', async () => {
    const before = await api.head();
    const response = await api.http.request('POST', `/api/v1/users/${customer.userId}/roles`, {
      token: customer.accessToken,
      body: { role: 'admin' },
    });
    assertErrorBody(response, 403, 'AUTH_1004');
    expect(await api.head()).toBe(before);
    const login = await api.http.request('POST', '/api/v1/users/login', {
      body: { email: customer.email, password: customer.password },
    });
    expect(login.body.user.role).toBe('customer');
  });
});
