import { randomUUID } from 'node:crypto';
import { address } from '../../application/checkout/test-support.ts';
import { createPricingSource } from '../../application/read-models/pricing-source.ts';
import { commandApiContext, createCommandApi } from '../../command-api/app.ts';
import { bootstrapAdmin } from '../../command-api/identity/bootstrap-admin.ts';
import { signUp } from '../../command-api/test-support.ts';
import { migrateAudit } from '../../infra/audit/migrate.ts';
import { loadConfig } from '../../infra/config.ts';
import { createSandboxPaymentProvider, migratePayments } from '../../infra/payments/sandbox-provider.ts';
import { createProjectionService } from '../../projections/service.ts';
import { createReadSideForTest } from '../../projections/test-support.ts';
import { startQueryApiForTest } from '../../query-api/test-support.ts';
import { startTestServer } from './http.ts';

/**
 * The whole shop for pricing e2e tests: command API (pricing from the read model, sandbox payments), the
 * projections running, and the query API. `admin` sends as the admin; `read` waits for the last command's
 * consistency token, so the command side's next read of the pricing read model sees it too.
 */
export async function startPricingShop(label: string) {
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
  const deps = {
    store: side.store,
    redis: side.redis,
    config,
    logger: side.logger,
    payments: createSandboxPaymentProvider({ pool: side.pool }),
    pricingRules: createPricingSource(side.db),
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
  const adminToken = (await command.request('POST', '/api/v1/users/login', { body: admin })).body
    .access_token;
  let token = '';

  async function send(method: 'POST' | 'PUT' | 'DELETE', path: string, bearer: string, body?: unknown) {
    const response = await command.request(method, `/api/v1${path}`, {
      token: bearer,
      ...(body !== undefined ? { body } : {}),
    });
    token = response.headers.get('x-consistency-token') ?? token;
    return response;
  }
  async function adminSend(method: 'POST' | 'PUT', path: string, body?: unknown) {
    const response = await send(method, path, adminToken, body);
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${response.text}`);
    return response;
  }
  const read = (path: string, bearer?: string) =>
    query.http.request('GET', `/api/v1${path}`, {
      ...(bearer ? { token: bearer } : {}),
      headers: token ? { 'X-Consistency-Token': token } : {},
    });
  /** Waits until the pricing and catalog read models have every command sent so far. */
  const settle = async () => {
    const response = await read('/pricing/rules', adminToken);
    if (response.status !== 200) throw new Error(`settle: ${response.status} ${response.text}`);
  };
  const orderBody = () => ({
    shipping_address: address,
    billing_address: address,
    payment_method: { type: 'card', token: 'tok_visa' },
  });
  return {
    side,
    command,
    query,
    adminToken,
    send,
    adminSend,
    read,
    settle,
    orderBody,
    customer: () => signUp(command),
    /** A customer without registration (a token for a fresh user id): for many shoppers at once. */
    mintCustomer(): { userId: string; accessToken: string } {
      const userId = `usr_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
      return { userId, accessToken: context.tokens.issuePair({ userId, role: 'customer' }).accessToken };
    },
    async product(price: number, category = 'Laptops', stock = 500): Promise<string> {
      const created = await adminSend('POST', '/products', {
        name: `P ${price}`,
        price,
        category,
        initial_stock: stock,
      });
      return created.body.product_id;
    },
    async close() {
      await query.close();
      await command.close();
      await service.stop();
      await side.close();
    },
  };
}

export type PricingShop = Awaited<ReturnType<typeof startPricingShop>>;
