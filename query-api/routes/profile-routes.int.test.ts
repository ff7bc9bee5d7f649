import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProjectionService, type ProjectionService } from '../../projections/service.ts';
import { appendEvent, createReadSideForTest, type ReadSideForTest } from '../../projections/test-support.ts';
import { assertErrorBody } from '../../test/support/http.ts';
import { startQueryApiForTest } from '../test-support.ts';

let side: ReadSideForTest;
let service: ProjectionService;
let api: Awaited<ReturnType<typeof startQueryApiForTest>>;
const at = '2026-01-15T10:00:00.000Z';

beforeAll(async () => {
  side = await createReadSideForTest('profileroutes');
  service = createProjectionService(side.deps, { leaseRetryMs: 50, heartbeatMs: 100 });
  service.start();
  const stream = 'user-usr_grace';
  await appendEvent(side.store, stream, 'UserRegistered', {
    schema_version: 1,
    user_id: 'usr_grace',
    email: 'grace@example.com',
    first_name: 'Grace',
    last_name: 'Hopper',
    phone: null,
    role: 'customer',
    registered_at: at,
  });
  await appendEvent(side.store, stream, 'EmailVerified', {
    schema_version: 1,
    user_id: 'usr_grace',
    verified_at: at,
  });
  const head = await appendEvent(side.store, stream, 'MarketingPreferenceChanged', {
    schema_version: 1,
    user_id: 'usr_grace',
    marketing_emails: true,
    changed_by: 'customer',
    changed_at: at,
  });
  expect(await service.waitFor(head, 20_000)).toBe(true);
  api = await startQueryApiForTest(side, { consistencyWaitMs: 10_000 });
});

afterAll(async () => {
  await api?.close();
  await service.stop();
  await side.close();
});

describe('GET /users/me', () => {
  it("returns the caller's profile with verification, tier and marketing preference", async () => {
    const res = await api.http.request('GET', '/api/v1/users/me', {
      token: api.token('customer', 'usr_grace'),
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      user_id: 'usr_grace',
      email: 'grace@example.com',
      first_name: 'Grace',
      last_name: 'Hopper',
      phone: null,
      role: 'customer',
      email_verified: true,
      tier: 'none',
      marketing_emails: true,
    });
  });

  it('is 401 without a token and 404 for a user it does not know', async () => {
    assertErrorBody(await api.http.request('GET', '/api/v1/users/me'), 401, 'AUTH_1003');
    const unknown = await api.http.request('GET', '/api/v1/users/me', {
      token: api.token('customer', 'usr_nobody'),
    });
    assertErrorBody(unknown, 404, 'RES_3001');
  });
});
