import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, commandClient } from '../test/api-client/clients.ts';
import type { components } from '../test/api-client/command-api.d.ts';
import { assertErrorBody } from '../test/support/http.ts';
import { emailStreamFor } from './identity/register-user.ts';
import { type CommandApiForTest, signUp, startCommandApiForTest } from './test-support.ts';

let api: CommandApiForTest;
beforeAll(async () => {
  api = await startCommandApiForTest('idempotency');
});
afterAll(async () => {
  await api?.close();
});

const email = (tag: string) => `${tag}-${Math.random().toString(36).slice(2, 10)}@example.com`;
// Every call goes through the client generated from docs/openapi/command-api.json (test/api-client).
const register = (body: components['schemas']['postUsersRegisterBody'], key?: string) =>
  answer(
    commandClient(api.http.url).POST('/api/v1/users/register', {
      body,
      params: { header: key ? { 'Idempotency-Key': key } : {} },
    }),
  );

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and body, and appends nothing', async () => {
    const body = { email: email('idem'), password: 'Secret#123', first_name: 'I', last_name: 'D' };
    const first = await register(body, 'key-1');
    expect(first.status).toBe(201);
    const before = await api.head();
    // Same content, other key order: the same request.
    const again = await register(
      { last_name: 'D', first_name: 'I', password: 'Secret#123', email: body.email },
      'key-1',
    );
    expect(await api.head()).toBe(before);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(again.headers.get('x-consistency-token')).toBe(first.headers.get('x-consistency-token'));
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
  });

  it('answers 422 VAL_2004 for the same key with another body, appending nothing', async () => {
    const body = { email: email('idem2'), password: 'Secret#123', first_name: 'I', last_name: 'D' };
    expect((await register(body, 'key-2')).status).toBe(201);
    const before = await api.head();
    const other = await register({ ...body, email: email('other') }, 'key-2');
    assertErrorBody(other, 422, 'VAL_2004');
    expect(await api.head()).toBe(before);
  });

  it('replays a refusal too (same status, same body)', async () => {
    const taken = await signUp(api.http);
    const body = { email: taken.email, password: 'Secret#123', first_name: 'I', last_name: 'D' };
    const first = await register(body, 'key-3');
    assertErrorBody(first, 409, 'RES_3002');
    const again = await register(body, 'key-3');
    expect(again.status).toBe(409);
    expect(again.body).toEqual(first.body);
  });

  it('runs concurrent duplicates once: the others wait and replay', async () => {
    const body = { email: email('concurrent'), password: 'Secret#123', first_name: 'C', last_name: 'D' };
    const before = await api.head();
    const responses = await Promise.all(Array.from({ length: 5 }, () => register(body, 'key-4')));
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(responses.map((r) => r.body.user_id)).size).toBe(1);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
    expect(await api.store.readStream(emailStreamFor(api.store, body.email))).toHaveLength(1);
    expect(await api.head()).not.toBe(before);
  });

  it('scopes keys to the caller: a signed-in user does not see the anonymous caller’s key', async () => {
    const admin = await api.admin();
    const user = await signUp(api.http);
    const body = { email: email('scope'), password: 'Secret#123', first_name: 'S', last_name: 'C' };
    expect((await register(body, 'shared-key')).status).toBe(201);
    const granted = await answer(
      commandClient(api.http.url, admin.accessToken).POST('/api/v1/users/{user_id}/roles', {
        params: { path: { user_id: user.userId }, header: { 'Idempotency-Key': 'shared-key' } },
        body: { role: 'auditor' },
      }),
    );
    expect(granted.status).toBe(200);
    expect(granted.headers.get('idempotent-replayed')).toBeNull();
  });

  it('refuses a malformed key', async () => {
    const body = { email: email('bad'), password: 'Secret#123', first_name: 'B', last_name: 'K' };
    const before = await api.head();
    const response = await register(body, 'k'.repeat(256));
    expect(await api.head()).toBe(before);
    assertErrorBody(response, 400, 'VAL_2001');
  });

  it('does nothing without a key: the same body twice is two attempts', async () => {
    const body = { email: email('nokey'), password: 'Secret#123', first_name: 'N', last_name: 'K' };
    expect((await register(body)).status).toBe(201);
    assertErrorBody(await register(body), 409, 'RES_3002');
  });
});
