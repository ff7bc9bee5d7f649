import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const send = (method: string, path: string, body?: unknown, token = api.adminToken) =>
  api.http.request(method as 'POST', `/api/v1${path}`, { token, ...(body !== undefined ? { body } : {}) });
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
async function expectRefused(
  request: () => ReturnType<typeof send>,
  status: number,
  code: string,
  fields: string[],
) {
  const { response, appended } = await refused(api, request);
  expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status, code });
  expect(response.body.error.details.map((d: { field: string }) => d.field)).toEqual(fields);
  expect(appended).toBe(false);
}

describe('POST /pricing/rules', () => {
  it('defines a rule and answers it with 201, its prl_ id and active', async () => {
    const response = await send('POST', '/pricing/rules', quantityBreak());
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
    const response = await send('POST', '/pricing/rules', {
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
    ['a quantity break without min_quantity', { min_quantity: undefined }, ['min_quantity']],
    ['a date without a zone', { starts_at: '2026-01-01T00:00:00' }, ['starts_at']],
  ])(
    'refuses %s with 400 VAL_2001 naming the field, appending nothing',
    async (_label, overrides, fields) => {
      await expectRefused(
        () => send('POST', '/pricing/rules', quantityBreak(overrides)),
        400,
        'VAL_2001',
        fields,
      );
    },
  );

  it("refuses an amount above the product's price, and a product that does not exist", async () => {
    const amount = (amount_off: number, product_id = productId) =>
      quantityBreak({ percent_off: undefined, amount_off, scope: { product_id } });
    await expectRefused(() => send('POST', '/pricing/rules', amount(500.01)), 400, 'VAL_2001', [
      'amount_off',
    ]);
    await expectRefused(() => send('POST', '/pricing/rules', amount(1, 'prd_nope')), 400, 'VAL_2001', [
      'scope.product_id',
    ]);
  });

  it('refuses neither percent nor amount with VAL_2002', async () => {
    await expectRefused(
      () => send('POST', '/pricing/rules', quantityBreak({ percent_off: undefined })),
      400,
      'VAL_2002',
      ['percent_off'],
    );
  });

  it('is for admins only', async () => {
    const response = await send('POST', '/pricing/rules', quantityBreak(), api.customer.accessToken);
    expect(response.status).toBe(403);
  });
});

describe('PUT /pricing/rules/{id} and POST …/disable', () => {
  it('replaces a rule, then disables it for good', async () => {
    const { rule_id } = (await send('POST', '/pricing/rules', quantityBreak())).body;
    const changed = await send('PUT', `/pricing/rules/${rule_id}`, quantityBreak({ percent_off: 12.5 }));
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ rule_id, percent_off: 12.5, active: true });
    const disabled = await send('POST', `/pricing/rules/${rule_id}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ enabled: false, active: false });
    expect((await send('POST', `/pricing/rules/${rule_id}/disable`)).status).toBe(200);
    const again = await send('PUT', `/pricing/rules/${rule_id}`, quantityBreak());
    expect(again.body.error.code).toBe('BIZ_4006');
    expect((await events(`pricingrule-${rule_id}`)).map((e) => e.type)).toEqual([
      'PricingRuleCreated',
      'PricingRuleChanged',
      'PricingRuleDisabled',
    ]);
  });

  it('answers 404 for an unknown rule, and 400 for a bad replacement, appending nothing', async () => {
    const unknown = await send('POST', '/pricing/rules/prl_unknown/disable');
    expect({ status: unknown.status, code: unknown.body.error.code }).toEqual({
      status: 404,
      code: 'RES_3001',
    });
    const { rule_id } = (await send('POST', '/pricing/rules', quantityBreak())).body;
    await expectRefused(
      () => send('PUT', `/pricing/rules/${rule_id}`, quantityBreak({ percent_off: 95 })),
      400,
      'VAL_2001',
      ['percent_off'],
    );
  });
});

describe('POST /coupons', () => {
  it('creates a coupon, matching its code in upper case; the same code again is 409', async () => {
    const response = await send('POST', '/coupons', {
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
    const again = await send('POST', '/coupons', { code: 'WELCOME-10', amount_off: 5 });
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
      () => send('POST', '/coupons', { code: 'SPRING-5', percent_off: 5, ...overrides }),
      400,
      'VAL_2001',
      fields,
    );
  });
});

describe('POST /users/{id}/tier', () => {
  it("sets a customer's tier, appends nothing when it is already that one, and records each change", async () => {
    const { userId } = api.customer;
    const path = `/users/${userId}/tier`;
    expect((await send('POST', path, { tier: 'gold' })).body).toEqual({ user_id: userId, tier: 'gold' });
    expect((await send('POST', path, { tier: 'gold' })).status).toBe(200);
    const login = await api.http.request('POST', '/api/v1/users/login', {
      body: { email: api.customer.email, password: api.customer.password },
    });
    expect(login.body.user).toMatchObject({ user_id: userId, role: 'customer', tier: 'gold' });
    expect((await send('POST', path, { tier: 'none' })).body).toEqual({ user_id: userId, tier: 'none' });
    expect(await events(`customertier-${userId}`)).toMatchObject([
      { type: 'CustomerTierChanged', data: { old_tier: 'none', new_tier: 'gold', source: 'admin' } },
      { type: 'CustomerTierChanged', data: { old_tier: 'gold', new_tier: 'none' } },
    ]);
  });

  it('refuses a tier not in the list (400 VAL_2001 on tier) and an unknown user (404)', async () => {
    await expectRefused(
      () => send('POST', `/users/${api.customer.userId}/tier`, { tier: 'diamond' }),
      400,
      'VAL_2001',
      ['tier'],
    );
    const unknown = await send('POST', '/users/usr_nobody/tier', { tier: 'gold' });
    expect({ status: unknown.status, code: unknown.body.error.code }).toEqual({
      status: 404,
      code: 'RES_3001',
    });
  });
});
