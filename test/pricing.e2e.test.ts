import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandApiContext, createCommandApi } from '../command-api/app.ts';
import { bootstrapAdmin } from '../command-api/identity/bootstrap-admin.ts';
import { signUp } from '../command-api/test-support.ts';
import { loadConfig } from '../infra/config.ts';
import { createProjectionService, type ProjectionService } from '../projections/service.ts';
import { createReadSideForTest, type ReadSideForTest } from '../projections/test-support.ts';
import { startQueryApiForTest } from '../query-api/test-support.ts';
import { answer, commandClient, invalid, queryClient } from './api-client/clients.ts';
import type { components } from './api-client/command-api.d.ts';
import type { operations } from './api-client/query-api.d.ts';
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
  const credentials = { email: 'pricing-admin@example.com', password: 'Admin#Pass123' };
  await bootstrapAdmin(context, credentials);
  adminToken = (await answer(commandClient(command.url).POST('/api/v1/users/login', { body: credentials })))
    .body.access_token;
  customer = await signUp(command);
  productId = await listProduct({ name: 'Workstation', price: 500, category: 'Laptops', initial_stock: 50 });
  await addRule({
    name: 'Ten or more',
    kind: 'quantity',
    percent_off: 10,
    min_quantity: 10,
    scope: { category: 'laptops' },
  });
  await setTier('gold');
});

afterAll(async () => {
  await query?.close();
  await command?.close();
  await service?.stop();
  await side?.close();
});

// Through the clients generated from docs/openapi/*.json; every answer is checked against its route's
// declared schema (test/api-client/response-check.ts).
type Schemas = components['schemas'];
type PriceQuery = NonNullable<operations['getPricingProductIdPrice']['parameters']['query']>;
const admin = () => commandClient(command.url, adminToken);
/** An admin command that must succeed; its consistency token is kept for the reads. */
async function send<D, E>(call: Promise<{ data?: D; error?: E; response: Response }>) {
  const response = await answer(call);
  if (response.status >= 300) throw new Error(`${response.status} ${response.text}`);
  token = response.headers.get('x-consistency-token') ?? token;
  return response;
}
const addRule = (body: Schemas['postPricingRulesBody']) =>
  send(admin().POST('/api/v1/pricing/rules', { body }));
/** Lists a product (an admin command that must succeed) and returns its id. */
const listProduct = async (body: Schemas['postProductsBody']): Promise<string> =>
  (await send(admin().POST('/api/v1/products', { body }))).body.product_id;
const setTier = (tier: Schemas['postUsersUserIdTierBody']['tier']) =>
  send(
    admin().POST('/api/v1/users/{user_id}/tier', {
      params: { path: { user_id: customer.userId } },
      body: { tier },
    }),
  );
const reads = (bearer?: string) => queryClient(query.http.url, bearer);
const consistent = () => ({ 'X-Consistency-Token': token });
const price = (params: PriceQuery, bearer?: string, product_id = productId) =>
  answer(
    reads(bearer).GET('/api/v1/pricing/{product_id}/price', {
      params: { path: { product_id }, query: params },
      headers: consistent(),
    }),
  );
const rules = (bearer?: string) =>
  answer(reads(bearer).GET('/api/v1/pricing/rules', { headers: consistent() }));
const unitPrice = async (params: PriceQuery, bearer?: string) =>
  (await price(params, bearer)).body.unit_price;

describe('GET /pricing/{product_id}/price through the real APIs', () => {
  it("prices a gold customer's 10 units with each step, using their own tier", async () => {
    const gold = await addRule({
      name: 'Gold members',
      kind: 'tier',
      percent_off: 15,
      tier: 'gold',
      scope: { all: true },
    });
    const response = await price({ quantity: '10' }, customer.accessToken);
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
    const variant = await send(
      admin().POST('/api/v1/products/{product_id}/variants', {
        params: { path: { product_id: productId } },
        body: { sku: 'WS-32GB', options: { memory: '32 GB' }, price_adjustment: 50 },
      }),
    );
    const response = await price(
      { quantity: '10', variant_id: variant.body.variant_id },
      customer.accessToken,
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      variant_id: variant.body.variant_id,
      list_price: 550,
      unit_price: 420.75,
      total: 4_207.5,
    });
    expect(response.body.steps.map((step) => step.step)).toEqual(['base', 'variant', 'quantity', 'tier']);
    await send(
      admin().POST('/api/v1/products/{product_id}/variants/{variant_id}/retire', {
        params: { path: { product_id: productId, variant_id: variant.body.variant_id } },
      }),
    );
    expect((await price({ variant_id: variant.body.variant_id })).status).toBe(404);
  });

  it('prices an anonymous visitor without a tier, and one unit without the break', async () => {
    expect(await unitPrice({ quantity: '10' })).toBe(450);
    expect(await unitPrice({ quantity: '1' })).toBe(500);
    expect((await price({})).body).toMatchObject({ quantity: 1, tier: 'none' });
  });

  it("lets an admin ask for any tier, and ignores a customer's", async () => {
    expect((await price({ quantity: '1', tier: 'platinum' }, adminToken)).body).toMatchObject({
      tier: 'platinum',
      unit_price: 425,
    });
    expect((await price({ tier: 'none' }, customer.accessToken)).body.tier).toBe('gold');
  });

  it('follows a tier change and a disabled rule through the projection', async () => {
    await setTier('silver');
    expect(await unitPrice({ quantity: '10' }, customer.accessToken)).toBe(450);
    await setTier('gold');
    const listed = (await rules(adminToken)).body.rules;
    const quantityBreak = listed.find((rule) => rule.kind === 'quantity')!;
    await send(
      admin().POST('/api/v1/pricing/rules/{rule_id}/disable', {
        params: { path: { rule_id: quantityBreak.rule_id } },
      }),
    );
    expect(await unitPrice({ quantity: '10' }, customer.accessToken)).toBe(425);
    const after = (await rules(adminToken)).body.rules;
    expect(after.find((rule) => rule.rule_id === quantityBreak.rule_id)).toMatchObject({
      enabled: false,
      active: false,
    });
  });

  it.each([
    ['quantity=0', { quantity: '0' }, 400, 'VAL_2001', 'quantity'],
    ['quantity=-1', { quantity: '-1' }, 400, 'VAL_2001', 'quantity'],
    ['quantity=abc', { quantity: 'abc' }, 400, 'VAL_2001', 'quantity'],
    ['tier=diamond', invalid({ tier: 'diamond' }), 400, 'VAL_2001', 'tier'],
  ] as [string, PriceQuery, number, string, string][])(
    'refuses %s with 400 naming the field',
    async (_, params, status, code, field) => {
      const response = await price(params);
      expect({ status: response.status, code: response.body.error.code }).toEqual({ status, code });
      expect(response.body.error.details.map((d) => d.field)).toEqual([field]);
    },
  );

  it('follows a list-price change and a discontinuation through the catalog projection', async () => {
    const other = await listProduct({
      name: 'Docking station',
      price: 120,
      category: 'Accessories',
      initial_stock: 5,
    });
    expect((await price({}, undefined, other)).body.unit_price).toBe(120);
    await send(
      admin().PUT('/api/v1/products/{product_id}/price', {
        params: { path: { product_id: other } },
        body: { price: 135 },
      }),
    );
    expect((await price({}, undefined, other)).body.unit_price).toBe(135);
    await send(
      admin().POST('/api/v1/products/{product_id}/discontinue', { params: { path: { product_id: other } } }),
    );
    expect((await price({}, undefined, other)).status).toBe(404);
  });

  it('quotes what the cart charges when a rule takes more than the price: one cent, never 0', async () => {
    const cheap = await listProduct({ name: 'Sticker', price: 3, category: 'Stickers', initial_stock: 5 });
    await addRule({
      name: 'Five off stickers',
      kind: 'sale',
      amount_off: 5,
      scope: { category: 'Stickers' },
    });
    expect((await price({ quantity: '2' }, undefined, cheap)).body).toMatchObject({
      list_price: 3,
      unit_price: 0.01,
      total: 0.02,
    });
  });

  it('a category rule reaches products filed under that category, named by slug or by name', async () => {
    const parent = (await send(admin().POST('/api/v1/categories', { body: { name: 'Outdoor Gear' } }))).body;
    const child = (
      await send(
        admin().POST('/api/v1/categories', { body: { name: 'Tents & Shelters', parent_slug: parent.slug } }),
      )
    ).body;
    const tent = await listProduct({
      name: 'Dome Tent',
      price: 200,
      category: 'tents & shelters',
      initial_stock: 10,
    });
    // A rule on the parent, by its slug: the child's product gets it.
    await addRule({ name: 'Outdoor sale', kind: 'sale', percent_off: 10, scope: { category: parent.slug } });
    expect((await price({}, undefined, tent)).body).toMatchObject({ unit_price: 180 });
    // A rule on the child by its slug, where the product names it by name: a break on top.
    await addRule({
      name: 'Two tents',
      kind: 'quantity',
      percent_off: 50,
      min_quantity: 2,
      scope: { category: child.slug },
    });
    expect((await price({ quantity: '2' }, undefined, tent)).body).toMatchObject({ unit_price: 90 });
  });

  it('answers 404 for an unknown product or variant', async () => {
    expect((await price({}, undefined, 'prd_nope')).status).toBe(404);
    expect((await price({ variant_id: 'var_nope' })).status).toBe(404);
  });
});

describe('GET /pricing/rules', () => {
  it('lists every rule for an admin; a customer gets 403, no token 401', async () => {
    const response = await rules(adminToken);
    expect(response.status).toBe(200);
    expect(response.body.rules.length).toBeGreaterThanOrEqual(2);
    expect(response.body.rules[0]).toHaveProperty('active');
    expect((await rules(customer.accessToken)).status).toBe(403);
    expect((await rules()).status).toBe(401);
  });
});
