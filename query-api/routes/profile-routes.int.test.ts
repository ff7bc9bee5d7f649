import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProjectionService, type ProjectionService } from '../../projections/service.ts';
import { appendEvent, createReadSideForTest, type ReadSideForTest } from '../../projections/test-support.ts';
import { assertErrorBody } from '../../test/support/http.ts';
import { servingSchema } from '../consistency.ts';
import { startQueryApiForTest } from '../test-support.ts';
import { userProfile } from '../user-queries.ts';

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
  await appendEvent(side.store, 'user-usr_ada', 'UserRegistered', {
    schema_version: 1,
    user_id: 'usr_ada',
    email: 'ada@example.com',
    first_name: 'Ada',
    last_name: 'Lovelace',
    phone: '+441234567890',
    role: 'customer',
    registered_at: at,
  });
  await appendEvent(side.store, 'user-usr_ada', 'UserErased', {
    schema_version: 1,
    user_id: 'usr_ada',
    erased_by: 'usr_ada',
    erased_at: at,
  });
  await appendEvent(side.store, 'review-rev_grace', 'ReviewSubmitted', {
    schema_version: 2,
    review_id: 'rev_grace',
    product_id: 'prd_compiler',
    user_id: 'usr_grace',
    author_name: 'Grace H.',
    rating: 5,
    title: 'Works',
    body: 'Compiles.',
    verified_purchase: true,
    submitted_at: at,
  });
  const head = await appendEvent(side.store, stream, 'MarketingPreferenceChanged', {
    schema_version: 1,
    user_id: 'usr_grace',
    marketing_emails: true,
    changed_by: 'customer',
    changed_at: at,
  });
  expect(await service.waitFor(head, 20_000)).toBe(true);
  api = await startQueryApiForTest(side, { consistencyWaitMs: 10_000, store: side.store });
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

  it('masks an erased user: 404 for their token, and no personal field left in the row', async () => {
    const erased = await api.http.request('GET', '/api/v1/users/me', {
      token: api.token('customer', 'usr_ada'),
    });
    assertErrorBody(erased, 404, 'RES_3001');
    const schema = servingSchema(api.api.watcher, 'users');
    expect(await userProfile(side.db, schema, 'usr_ada')).toMatchObject({
      email: '[erased]',
      first_name: '[erased]',
      last_name: '[erased]',
      phone: null,
      erased: true,
    });
  });
});

describe('GET /users/me/data', () => {
  it("exports the caller's reviews with the author name decrypted, and their events", async () => {
    const res = await api.http.request('GET', '/api/v1/users/me/data', {
      token: api.token('customer', 'usr_grace'),
    });
    expect(res.status).toBe(200);
    expect(res.body.reviews).toEqual([
      {
        review_id: 'rev_grace',
        product_id: 'prd_compiler',
        author_name: 'Grace H.',
        rating: 5,
        title: 'Works',
        body: 'Compiles.',
        status: 'published',
        created_at: at,
        updated_at: at,
      },
    ]);
    expect(res.body.events.map((e: { type: string }) => e.type)).toContain('ReviewSubmitted');
  });
});
