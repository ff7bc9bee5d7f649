import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, commandClient } from '../test/api-client/clients.ts';
import { assertErrorBody } from '../test/support/http.ts';
import { type CommandApiForTest, signUp, startCommandApiForTest } from './test-support.ts';

// API.md: every command response on a single aggregate carries ETag; a command sent with If-Match is
// refused with 412 when the aggregate has moved on. These routes answered with an ETag but did not read
// If-Match until wave 20 (an API contract review found them); each test fails on that code.
let api: CommandApiForTest;
let customer: Awaited<ReturnType<typeof signUp>>;
let admin: { userId: string; accessToken: string };
beforeAll(async () => {
  api = await startCommandApiForTest('if_match');
  customer = await signUp(api.http);
  admin = await api.admin();
});
afterAll(async () => {
  await api?.close();
});

const as = (token: string) => commandClient(api.http.url, token);
const precondition = (ifMatch?: string) => (ifMatch ? { headers: { 'If-Match': ifMatch } } : {});

describe('If-Match on the commands of a single aggregate', () => {
  it('PUT /users/me/preferences: a stale revision is 412 and changes nothing', async () => {
    const set = (marketing_emails: boolean, ifMatch?: string) =>
      answer(
        as(customer.accessToken).PUT('/api/v1/users/me/preferences', {
          body: { marketing_emails },
          ...precondition(ifMatch),
        }),
      );
    const first = await set(false);
    const seen = first.headers.get('etag')!;
    expect((await set(true, seen)).status).toBe(200);
    const before = await api.head();
    assertErrorBody(await set(false, seen), 412, 'RES_3003');
    expect(await api.head()).toBe(before);
  });

  it('POST /users/{id}/tier: a stale revision is 412 and changes nothing', async () => {
    const set = (tier: 'gold' | 'silver', ifMatch?: string) =>
      answer(
        as(admin.accessToken).POST('/api/v1/users/{user_id}/tier', {
          params: { path: { user_id: customer.userId } },
          body: { tier },
          ...precondition(ifMatch),
        }),
      );
    const first = await set('gold');
    const seen = first.headers.get('etag')!;
    expect((await set('silver', seen)).status).toBe(200);
    const before = await api.head();
    assertErrorBody(await set('gold', seen), 412, 'RES_3003');
    expect(await api.head()).toBe(before);
  });

  it('DELETE /cart/coupon: a revision the cart never had is 412', async () => {
    const other = await signUp(api.http);
    const removed = await answer(as(other.accessToken).DELETE('/api/v1/cart/coupon', precondition('"7"')));
    assertErrorBody(removed, 412, 'RES_3003');
  });
});
