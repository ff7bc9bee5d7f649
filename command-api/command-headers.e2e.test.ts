import { afterAll, beforeAll, expect, it } from 'vitest';
import { answer, commandClient } from '../test/api-client/clients.ts';
import { type CommandApiForTest, signUp, startCommandApiForTest } from './test-support.ts';

// API.md "Conventions": every successful command response carries X-Consistency-Token, also a command
// that appends nothing (its token is the store's head); an ETag is a stream revision, never a body hash.
let api: CommandApiForTest;
beforeAll(async () => {
  api = await startCommandApiForTest('command-headers');
});
afterAll(async () => {
  await api?.close();
});

const client = (token?: string) => commandClient(api.http.url, token);
const position = /^\d+\.\d+$/;

it('answers every session command with a consistency token', async () => {
  const user = await signUp(api.http);
  const login = await answer(client().POST('/api/v1/users/login', { body: user }));
  expect(login.status).toBe(200);
  const refreshed = await answer(
    client().POST('/api/v1/users/refresh', { body: { refresh_token: login.body.refresh_token } }),
  );
  expect(refreshed.status).toBe(200);
  const reset = await answer(client().POST('/api/v1/users/password-reset', { body: { email: user.email } }));
  expect(reset.status).toBe(202);
  const logout = await answer(client(refreshed.body.access_token).POST('/api/v1/users/logout'));
  expect(logout.status).toBe(204);
  for (const response of [login, refreshed, reset, logout])
    expect(response.headers.get('x-consistency-token')).toMatch(position);
});

it('sends no ETag but a revision: none on a refusal, none on a body', async () => {
  const user = await signUp(api.http);
  const refused = await answer(
    client(user.accessToken).PUT('/api/v1/users/profile', { body: { first_name: '' } }),
  );
  expect(refused.status).toBe(400);
  expect(refused.headers.get('etag')).toBeNull();
  const changed = await answer(
    client(user.accessToken).PUT('/api/v1/users/profile', { body: { first_name: 'Ada' } }),
  );
  expect(changed.status).toBe(200);
  expect(changed.headers.get('etag')).toMatch(/^"\d+"$/);
});
