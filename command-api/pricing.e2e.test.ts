import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, answer, commandClient } from '../test/api-client/clients.ts';
import type { components } from '../test/api-client/command-api.d.ts';
import { createProduct, refused, type ShopApi, startShopApi } from './catalog/e2e-fixtures.ts';

let api: ShopApi;
let productId: string;
beforeAll(async () => {
  api = await startShopApi('pricing_e2e');
  productId = (await createProduct(api.http, api.adminToken, { price: 500, category: 'Laptops' })).product_id;
});
afterAll(async () => {
  await api?.close();
});

// Through the client generated from docs/openapi/command-api.json; every answer is checked against its
// route's declared schema. Bodies are built from overrides, many invalid on purpose, so the server (not
// tsc) judges them: they are cast to the declared body type.
type Schemas = components['schemas'];
const admin = (token = api.adminToken) => commandClient(api.http.url, token);
const createRule = (body: unknown, token = api.adminToken) =>
  answer(admin(token).POST('/api/v1/pricing/rules', { body: body as Schemas['postPricingRulesBody'] }));
const replaceRule = (rule_id: string, body: unknown) =>
  answer(
    admin().PUT('/api/v1/pricing/rules/{rule_id}', {
      params: { path: { rule_id } },
      body: body as Schemas['postPricingRulesBody'],
    }),
  );
const disableRule = (rule_id: string) =>
  answer(admin().POST('/api/v1/pricing/rules/{rule_id}/disable', { params: { path: { rule_id } } }));
const createCoupon = (body: unknown) =>
  answer(admin().POST('/api/v1/coupons', { body: body as Schemas['postCouponsBody'] }));
const setTier = (user_id: string, body: unknown) =>
  answer(
    admin().POST('/api/v1/users/{user_id}/tier', {
      params: { path: { user_id } },
      body: body as Schemas['postUsersUserIdTierBody'],
    }),
  );
const events = async (stream: string) =>
  (await api.store.readStream(stream)).map((e) => ({ type: e.type, data: e.data }));

const quantityBreak = (overrides: Record<string, unknown> = {}) => ({
  name: 'Bulk 10',
  kind: 'quantity',
  percent_off: 10,
  scope: { category: 'Laptops' },
  min_quantity: 10,
  ...overrides,
});

/** A refusal with this status, code and fields in details, and nothing appended. */
async function expectRefused<R extends Answer<unknown>>(
  request: () => Promise<R>,
  status: number,
  code: string,
  fields: string[],
) {
  const { response, appended } = await refused(api, request);
  const body = response.body as { error?: { code?: string; details?: { field?: string }[] } } | undefined;
  expect({ status: response.status, code: body?.error?.code }).toEqual({ status, code });
  expect(body?.error?.details?.map((d) => d.field)).toEqual(fields);
  expect(appended).toBe(false);
}

describe('POST /pricing/rules', () => {
  it('defines a rule and answers it with 201, its prl_ id and active', async () => {
    const response = await createRule(quantityBreak());
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      rule_id: expect.stringMatching(/^prl_/),
      name: 'Bulk 10',
      kind: 'quantity',
      percent_off: 10,
      amount_off: null,
      scope: { category: 'Laptops' },
      min_quantity: 10,
      tier: null,
      starts_at: null,
      ends_at: null,
      enabled: true,
      active: true,
    });
    expect(response.headers.get('x-consistency-token')).toBeTruthy();
    expect(await events(`pricingrule-${response.body.rule_id}`)).toMatchObject([
      { type: 'PricingRuleCreated', data: { percent_off_bps: 1000, scope: { category: 'Laptops' } } },
    ]);
  });

  it('takes a product-scoped amount up to the price, a tier rule and a future window (not active yet)', async () => {
    const response = await createRule({
      name: 'Gold',
      kind: 'tier',
      amount_off: 500,
      tier: 'gold',
      scope: { product_id: productId },
      starts_at: '2999-01-01T00:00:00Z',
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ amount_off: 500, percent_off: null, tier: 'gold', active: false });
  });

  it.each([
    ['percent above 90', { percent_off: 91 }, ['percent_off']],
    ['negative percent', { percent_off: -1 }, ['percent_off']],
    ['both percent and amount', { amount_off: 5 }, ['amount_off']],
    [
      'ends_at before starts_at',
      { starts_at: '2026-02-01T00:00:00Z', ends_at: '2026-01-01T00:00:00Z' },
      ['ends_at'],
    ],
    ['an unknown scope', { scope: { brand: 'Acme' } }, ['scope']],
    ['two scopes', { scope: { category: 'Laptops', all: true } }, ['scope']],
    ['a tier not in the list', { kind: 'tier', min_quantity: undefined, tier: 'diamond' }, ['tier']],
    ['an unknown kind', { kind: 'bogo' }, ['kind']],
    ['a date without a zone', { starts_at: '2026-01-01T00:00:00' }, ['starts_at']],
  ])(
    'refuses %s with 400 VAL_2001 naming the field, appending nothing',
    async (_label, overrides, fields) => {
      await expectRefused(() => createRule(quantityBreak(overrides)), 400, 'VAL_2001', fields);
    },
  );

  it("refuses an amount above the product's price, and a product that does not exist", async () => {
    const amount = (amount_off: number, product_id = productId) =>
      quantityBreak({ percent_off: undefined, amount_off, scope: { product_id } });
    await expectRefused(() => createRule(amount(500.01)), 400, 'VAL_2001', ['amount_off']);
    await expectRefused(() => createRule(amount(1, 'prd_nope')), 400, 'VAL_2001', ['scope.product_id']);
  });

  it.each([
    ['neither percent nor amount', { percent_off: undefined }, ['percent_off']],
    ['a quantity break without min_quantity', { min_quantity: undefined }, ['min_quantity']],
    ['a tier rule without tier', { kind: 'tier', min_quantity: undefined }, ['tier']],
  ])(
    'refuses %s with 400 VAL_2002 naming the field, appending nothing',
    async (_label, overrides, fields) => {
      await expectRefused(() => createRule(quantityBreak(overrides)), 400, 'VAL_2002', fields);
    },
  );

  it('is for admins only', async () => {
    const response = await createRule(quantityBreak(), api.customer.accessToken);
    expect(response.status).toBe(403);
  });
});

describe('PUT /pricing/rules/{id} and POST …/disable', () => {
  it('replaces a rule, then disables it for good', async () => {
    const { rule_id } = (await createRule(quantityBreak())).body;
    const changed = await replaceRule(rule_id, quantityBreak({ percent_off: 12.5 }));
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ rule_id, percent_off: 12.5, active: true });
    const disabled = await disableRule(rule_id);
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ enabled: false, active: false });
    expect((await disableRule(rule_id)).status).toBe(200);
    const again = await replaceRule(rule_id, quantityBreak());
    expect(again.body.error.code).toBe('BIZ_4006');
    expect((await events(`pricingrule-${rule_id}`)).map((e) => e.type)).toEqual([
      'PricingRuleCreated',
      'PricingRuleChanged',
      'PricingRuleDisabled',
    ]);
  });

  it('answers 404 for an unknown rule, and 400 for a bad replacement, appending nothing', async () => {
    const unknown = await disableRule('prl_unknown');
    expect({ status: unknown.status, code: unknown.body.error.code }).toEqual({
      status: 404,
      code: 'RES_3001',
    });
    const { rule_id } = (await createRule(quantityBreak())).body;
    await expectRefused(() => replaceRule(rule_id, quantityBreak({ percent_off: 95 })), 400, 'VAL_2001', [
      'percent_off',
    ]);
  });
});

describe('POST /coupons', () => {
  it('creates a coupon, matching its code in upper case; the same code again is 409', async () => {
    const response = await createCoupon({
      code: 'welcome-10',
      percent_off: 10,
      max_redemptions: 100,
    });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      code: 'WELCOME-10',
      percent_off: 10,
      amount_off: null,
      min_subtotal: null,
      starts_at: null,
      ends_at: null,
      max_redemptions: 100,
      max_per_customer: 1,
      redemptions: 0,
    });
    expect(await events('coupon-WELCOME-10')).toMatchObject([{ type: 'CouponCreated' }]);
    const again = await createCoupon({ code: 'WELCOME-10', amount_off: 5 });
    expect({ status: again.status, code: again.body.error.code }).toEqual({ status: 409, code: 'RES_3002' });
  });

  it.each([
    ['bad characters in the code', { code: "SAVE_10';--" }, ['code']],
    ['a short code', { code: 'AB' }, ['code']],
    ['percent above 90', { percent_off: 90.5 }, ['percent_off']],
    ['both percent and amount', { amount_off: 5 }, ['amount_off']],
    [
      'ends_at before starts_at',
      { starts_at: '2026-02-01T00:00:00Z', ends_at: '2026-01-01T00:00:00Z' },
      ['ends_at'],
    ],
    ['zero max_redemptions', { max_redemptions: 0 }, ['max_redemptions']],
  ])('refuses %s with 400 VAL_2001, appending nothing', async (_label, overrides, fields) => {
    await expectRefused(
      () => createCoupon({ code: 'SPRING-5', percent_off: 5, ...overrides }),
      400,
      'VAL_2001',
      fields,
    );
  });
});

describe('POST /users/{id}/tier', () => {
  it("sets a customer's tier, appends nothing when it is already that one, and records each change", async () => {
    const { userId } = api.customer;
    expect((await setTier(userId, { tier: 'gold' })).body).toEqual({ user_id: userId, tier: 'gold' });
    expect((await setTier(userId, { tier: 'gold' })).status).toBe(200);
    const login = await answer(
      commandClient(api.http.url).POST('/api/v1/users/login', {
        body: { email: api.customer.email, password: api.customer.password },
      }),
    );
    expect(login.body.user).toMatchObject({ user_id: userId, role: 'customer', tier: 'gold' });
    expect((await setTier(userId, { tier: 'none' })).body).toEqual({ user_id: userId, tier: 'none' });
    expect(await events(`customertier-${userId}`)).toMatchObject([
      { type: 'CustomerTierChanged', data: { old_tier: 'none', new_tier: 'gold', source: 'admin' } },
      { type: 'CustomerTierChanged', data: { old_tier: 'gold', new_tier: 'none' } },
    ]);
  });

  it('refuses a tier not in the list (400 VAL_2001 on tier) and an unknown user (404)', async () => {
    await expectRefused(() => setTier(api.customer.userId, { tier: 'diamond' }), 400, 'VAL_2001', ['tier']);
    const unknown = await setTier('usr_nobody', { tier: 'gold' });
    expect({ status: unknown.status, code: unknown.body.error.code }).toEqual({
      status: 404,
      code: 'RES_3001',
    });
  });
});
