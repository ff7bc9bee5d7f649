import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandApiContext, createCommandApi } from '../command-api/app.ts';
import { bootstrapAdmin } from '../command-api/identity/bootstrap-admin.ts';
import { signUp } from '../command-api/test-support.ts';
import { loadConfig } from '../infra/config.ts';
import { createProjectionService, type ProjectionService } from '../projections/service.ts';
import { createReadSideForTest, type ReadSideForTest } from '../projections/test-support.ts';
import { startQueryApiForTest } from '../query-api/test-support.ts';
import { startTestServer, type TestServer } from './support/http.ts';

/** Admin defines rules and tiers on the command API; the projection carries them; the query API prices. */
let side: ReadSideForTest;
let service: ProjectionService;
let command: TestServer;
let query: Awaited<ReturnType<typeof startQueryApiForTest>>;
let adminToken: string;
let customer: Awaited<ReturnType<typeof signUp>>;
let productId: string;
/** The consistency token of the latest command, so each read sees it. */
let token = '';

beforeAll(async () => {
  side = await createReadSideForTest('pricing_routes_e2e');
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: 'pricing-e2e-secret-0123456789abcdefghij',
    RATE_LIMIT_AUTH_PER_MIN: '0',
    RATE_LIMIT_CHECKOUT_PER_MIN: '0',
    RATE_LIMIT_GENERAL_PER_MIN: '0',
    LOG_LEVEL: 'silent',
  });
  const deps = { store: side.store, redis: side.redis, config, logger: side.logger };
  const context = commandApiContext(deps);
  command = await startTestServer(createCommandApi({ ...deps, context }));
  query = await startQueryApiForTest(side, {
    authenticator: context.authenticator,
    consistencyWaitMs: 15_000,
  });
  service = createProjectionService(side.deps, { leaseRetryMs: 50, heartbeatMs: 100 });
  service.start();
  const admin = { email: 'pricing-admin@example.com', password: 'Admin#Pass123' };
  await bootstrapAdmin(context, admin);
  adminToken = (await command.request('POST', '/api/v1/users/login', { body: admin })).body.access_token;
  customer = await signUp(command);
  productId = (
    await send('POST', '/products', {
      name: 'Workstation',
      price: 500,
      category: 'Laptops',
      initial_stock: 50,
    })
  ).body.product_id;
  await send('POST', '/pricing/rules', {
    name: 'Ten or more',
    kind: 'quantity',
    percent_off: 10,
    min_quantity: 10,
    scope: { category: 'laptops' },
  });
  await send('POST', `/users/${customer.userId}/tier`, { tier: 'gold' });
});

afterAll(async () => {
  await query?.close();
  await command?.close();
  await service?.stop();
  await side?.close();
});

async function send(method: 'POST' | 'PUT', path: string, body?: unknown) {
  const response = await command.request(method, `/api/v1${path}`, {
    token: adminToken,
    ...(body !== undefined ? { body } : {}),
  });
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${response.text}`);
  token = response.headers.get('x-consistency-token') ?? token;
  return response;
}
const get = (path: string, bearer?: string) =>
  query.http.request('GET', `/api/v1${path}`, {
    ...(bearer ? { token: bearer } : {}),
    headers: { 'X-Consistency-Token': token },
  });
const unitPrice = async (query: string, bearer?: string) =>
  (await get(`/pricing/${productId}/price?${query}`, bearer)).body.unit_price;

describe('GET /pricing/{product_id}/price through the real APIs', () => {
  it("prices a gold customer's 10 units with each step, using their own tier", async () => {
    const gold = await send('POST', '/pricing/rules', {
      name: 'Gold members',
      kind: 'tier',
      percent_off: 15,
      tier: 'gold',
      scope: { all: true },
    });
    const response = await get(`/pricing/${productId}/price?quantity=10`, customer.accessToken);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      product_id: productId,
      variant_id: null,
      quantity: 10,
      tier: 'gold',
      currency: 'USD',
      list_price: 500,
      steps: [
        { step: 'base', label: 'List price', unit_price: 500 },
        { step: 'quantity', rule_id: expect.stringMatching(/^prl_/), label: 'Ten or more', unit_price: 450 },
        { step: 'tier', rule_id: gold.body.rule_id, label: 'Gold members', unit_price: 382.5 },
      ],
      unit_price: 382.5,
      discount: 1_175,
      total: 3_825,
    });
  });

  it("prices a variant with its adjustment: seed 003's example, 420.75 a unit, 4,207.50 in all", async () => {
    const variant = await send('POST', `/products/${productId}/variants`, {
      sku: 'WS-32GB',
      options: { memory: '32 GB' },
      price_adjustment: 50,
    });
    const response = await get(
      `/pricing/${productId}/price?quantity=10&variant_id=${variant.body.variant_id}`,
      customer.accessToken,
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      variant_id: variant.body.variant_id,
      list_price: 550,
      unit_price: 420.75,
      total: 4_207.5,
    });
    expect(response.body.steps.map((step: { step: string }) => step.step)).toEqual([
      'base',
      'variant',
      'quantity',
      'tier',
    ]);
    await send('POST', `/products/${productId}/variants/${variant.body.variant_id}/retire`);
    expect((await get(`/pricing/${productId}/price?variant_id=${variant.body.variant_id}`)).status).toBe(404);
  });

  it('prices an anonymous visitor without a tier, and one unit without the break', async () => {
    expect(await unitPrice('quantity=10')).toBe(450);
    expect(await unitPrice('quantity=1')).toBe(500);
    expect((await get(`/pricing/${productId}/price`)).body).toMatchObject({ quantity: 1, tier: 'none' });
  });

  it("lets an admin ask for any tier, and ignores a customer's", async () => {
    expect(
      (await get(`/pricing/${productId}/price?quantity=1&tier=platinum`, adminToken)).body,
    ).toMatchObject({
      tier: 'platinum',
      unit_price: 425,
    });
    expect((await get(`/pricing/${productId}/price?tier=none`, customer.accessToken)).body.tier).toBe('gold');
  });

  it('follows a tier change and a disabled rule through the projection', async () => {
    await send('POST', `/users/${customer.userId}/tier`, { tier: 'silver' });
    expect(await unitPrice('quantity=10', customer.accessToken)).toBe(450);
    await send('POST', `/users/${customer.userId}/tier`, { tier: 'gold' });
    const rules = (await get('/pricing/rules', adminToken)).body.rules as { rule_id: string; kind: string }[];
    const quantityBreak = rules.find((rule) => rule.kind === 'quantity')!;
    await send('POST', `/pricing/rules/${quantityBreak.rule_id}/disable`);
    expect(await unitPrice('quantity=10', customer.accessToken)).toBe(425);
    const after = (await get('/pricing/rules', adminToken)).body.rules;
    expect(after.find((rule: { rule_id: string }) => rule.rule_id === quantityBreak.rule_id)).toMatchObject({
      enabled: false,
      active: false,
    });
  });

  it.each([
    ['quantity=0', 400, 'VAL_2001', 'quantity'],
    ['quantity=-1', 400, 'VAL_2001', 'quantity'],
    ['quantity=abc', 400, 'VAL_2001', 'quantity'],
    ['tier=diamond', 400, 'VAL_2001', 'tier'],
  ])('refuses %s with 400 naming the field', async (params, status, code, field) => {
    const response = await get(`/pricing/${productId}/price?${params}`);
    expect({ status: response.status, code: response.body.error.code }).toEqual({ status, code });
    expect(response.body.error.details.map((d: { field: string }) => d.field)).toEqual([field]);
  });

  it('answers 404 for an unknown product or variant', async () => {
    expect((await get('/pricing/prd_nope/price')).status).toBe(404);
    expect((await get(`/pricing/${productId}/price?variant_id=var_nope`)).status).toBe(404);
  });
});

describe('GET /pricing/rules', () => {
  it('lists every rule for an admin; a customer gets 403, no token 401', async () => {
    const response = await get('/pricing/rules', adminToken);
    expect(response.status).toBe(200);
    expect(response.body.rules.length).toBeGreaterThanOrEqual(2);
    expect(response.body.rules[0]).toHaveProperty('active');
    expect((await get('/pricing/rules', customer.accessToken)).status).toBe(403);
    expect((await get('/pricing/rules')).status).toBe(401);
  });
});
