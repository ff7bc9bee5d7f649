import { randomUUID } from 'node:crypto';
import type { Middleware } from 'openapi-fetch';
import { address } from '../../application/checkout/test-support.ts';
import { createCheckpointWatcher } from '../../application/projection-runner/checkpoint-watcher.ts';
import { createPricingSource } from '../../application/read-models/pricing-source.ts';
import { commandApiContext, createCommandApi } from '../../command-api/app.ts';
import { bootstrapAdmin } from '../../command-api/identity/bootstrap-admin.ts';
import { signUp } from '../../command-api/test-support.ts';
import { migrateAudit } from '../../infra/audit/migrate.ts';
import { loadConfig } from '../../infra/config.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';
import { parsePosition } from '../../infra/eventstore/position.ts';
import { createSandboxPaymentProvider, migratePayments } from '../../infra/payments/sandbox-provider.ts';
import { createProjectionService } from '../../projections/service.ts';
import { createReadSideForTest } from '../../projections/test-support.ts';
import { startQueryApiForTest } from '../../query-api/test-support.ts';
import {
  answer,
  type CommandClient,
  commandClient,
  type QueryClient,
  queryClient,
} from '../api-client/clients.ts';
import type { components } from '../api-client/command-api.d.ts';
import { startTestServer } from './http.ts';

type Schemas = components['schemas'];

/**
 * The whole shop for pricing e2e tests: command API (pricing from the read model, sandbox payments), the
 * projections running, and the query API, through the generated clients. `admin` sends as the admin (a
 * refusal throws); `reads` sends the last command's consistency token, so the command side's next read of
 * the pricing read model sees it too.
 */
export async function startPricingShop(
  label: string,
  options: {
    /** The command API's store, wrapped (a test that steps in between a request's reads and appends). */
    wrapStore?: (store: EventStore) => EventStore;
  } = {},
) {
  const side = await createReadSideForTest(label);
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: `${label}-secret-0123456789abcdefghij`,
    RATE_LIMIT_AUTH_PER_MIN: '0',
    RATE_LIMIT_CHECKOUT_PER_MIN: '0',
    RATE_LIMIT_GENERAL_PER_MIN: '0',
    LOG_LEVEL: 'silent',
  });
  await migratePayments(side.pool);
  const commandWatcher = createCheckpointWatcher({
    db: side.db,
    subscriber: side.redis.duplicate(),
    logger: side.logger,
  });
  await commandWatcher.start();
  const deps = {
    store: options.wrapStore ? options.wrapStore(side.store) : side.store,
    redis: side.redis,
    config,
    logger: side.logger,
    payments: createSandboxPaymentProvider({ pool: side.pool }),
    // As bin/start: the command API's pricing facts kept in process, dropped by its own watcher.
    pricingRules: createPricingSource(side.db, commandWatcher),
  };
  const context = commandApiContext(deps);
  const command = await startTestServer(createCommandApi({ ...deps, context }));
  await migrateAudit(side.pool);
  const query = await startQueryApiForTest(side, {
    authenticator: context.authenticator,
    consistencyWaitMs: 15_000,
    store: side.store,
  });
  const service = createProjectionService(side.deps, { leaseRetryMs: 50, heartbeatMs: 100 });
  service.start();
  const admin = { email: `${label}-admin@example.com`, password: 'Admin#Pass123' };
  await bootstrapAdmin(context, admin);
  const adminToken = (await answer(commandClient(command.url).POST('/api/v1/users/login', { body: admin })))
    .body.access_token;
  let token = '';

  // Every call goes through the clients generated from docs/openapi/*.json, and every answer is checked
  // against its route's declared schema (test/api-client/response-check.ts).
  /** Keeps the newest X-Consistency-Token a command answered, for `reads`. */
  const keepConsistency: Middleware = {
    onResponse({ response }) {
      token = response.headers.get('x-consistency-token') ?? token;
    },
  };
  /** The command API as `bearer`. */
  const as = (bearer: string): CommandClient => {
    const client = commandClient(command.url, bearer);
    client.use(keepConsistency);
    return client;
  };
  /** The command API as the admin, for setting up: a refusal throws. */
  const adminClient = as(adminToken);
  adminClient.use({
    async onResponse({ request, response }) {
      if (!response.ok)
        throw new Error(
          `${request.method} ${request.url}: ${response.status} ${await response.clone().text()}`,
        );
    },
  });
  /** The query API (as `bearer`), sending the last command's consistency token. */
  const reads = (bearer?: string): QueryClient => {
    const client = queryClient(query.http.url, bearer);
    client.use({
      onRequest({ request }) {
        if (token) request.headers.set('X-Consistency-Token', token);
        return request;
      },
    });
    return client;
  };
  /** Waits until the pricing and catalog read models have every command sent so far. */
  const settle = async () => {
    const response = await answer(reads(adminToken).GET('/api/v1/pricing/rules'));
    if (response.status !== 200) throw new Error(`settle: ${response.status} ${response.text}`);
    // The command API's own view too: it drops what it keeps before its position moves.
    const position = token ? parsePosition(token) : undefined;
    if (position && !(await commandWatcher.waitFor(['pricing', 'catalog'], position, 15_000)))
      throw new Error('settle: the command API has not heard of the last command');
  };
  const orderBody = (): Schemas['postOrdersBody'] => ({
    shipping_address: address,
    billing_address: address,
    payment_method: { type: 'card', token: 'tok_visa' },
  });
  return {
    side,
    command,
    query,
    adminToken,
    as,
    admin: adminClient,
    reads,
    settle,
    orderBody,
    customer: () => signUp(command),
    /** A customer without registration (a token for a fresh user id): for many shoppers at once. */
    mintCustomer(): { userId: string; accessToken: string } {
      const userId = `usr_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
      return { userId, accessToken: context.tokens.issuePair({ userId, role: 'customer' }).accessToken };
    },
    async product(price: number, category = 'Laptops', stock = 500): Promise<string> {
      const created = await answer(
        adminClient.POST('/api/v1/products', {
          body: { name: `P ${price}`, price, category, initial_stock: stock },
        }),
      );
      return created.body.product_id;
    },
    addRule: (body: Schemas['postPricingRulesBody']) =>
      answer(adminClient.POST('/api/v1/pricing/rules', { body })),
    addCoupon: (body: Schemas['postCouponsBody']) => answer(adminClient.POST('/api/v1/coupons', { body })),
    setTier: (user_id: string, body: Schemas['postUsersUserIdTierBody']) =>
      answer(adminClient.POST('/api/v1/users/{user_id}/tier', { params: { path: { user_id } }, body })),
    async close() {
      await commandWatcher.stop();
      await query.close();
      await command.close();
      await service.stop();
      await side.close();
    },
  };
}

export type PricingShop = Awaited<ReturnType<typeof startPricingShop>>;

/**
 * Seed 003's pricing example on a shop: 10 % off ten or more laptops, then 15 % off for gold members, and
 * a gold customer to buy with, all settled into the read side.
 */
export async function withExampleRules(shop: PricingShop) {
  await shop.addRule({
    name: 'Ten or more',
    kind: 'quantity',
    percent_off: 10,
    min_quantity: 10,
    scope: { category: 'laptops' },
  });
  await shop.addRule({
    name: 'Gold members',
    kind: 'tier',
    percent_off: 15,
    tier: 'gold',
    scope: { all: true },
  });
  const customer = await shop.customer();
  await shop.setTier(customer.userId, { tier: 'gold' });
  await shop.settle();
  return customer;
}
