import pg from 'pg';
import { pino } from 'pino';
import { createCommandHandler } from '../../application/commands/command-handler.ts';
import { createPasswordHasher } from '../../infra/auth/password-hasher.ts';
import type { PaymentProvider } from '../../infra/payments/port.ts';
import { createSandboxPaymentProvider, migratePayments } from '../../infra/payments/sandbox-provider.ts';
import { answer, commandClient } from '../../test/api-client/clients.ts';
import type { components } from '../../test/api-client/command-api.d.ts';
import type { TestServer } from '../../test/support/http.ts';
import { bootstrapAdmin } from '../identity/bootstrap-admin.ts';
import { randomIds } from '../ids.ts';
import { type CommandApiForTest, signUp, startCommandApiForTest } from '../test-support.ts';

/** Test-only fixtures for the catalog, inventory and cart e2e tests (not used by the service). */

const ADMIN_PASSWORD = 'Admin#Pass123';

/**
 * A command API on its own database and Redis prefix, an admin made the way production makes the
 * first one (bootstrapAdmin on the same store) and a registered customer, both logged in over HTTP.
 */
export async function startShopApi(
  label: string,
  options: Parameters<typeof startCommandApiForTest>[2] = {},
) {
  const api = await startCommandApiForTest(label, {}, options);
  const email = `admin-${label}@example.com`;
  await bootstrapAdmin(
    {
      store: api.store,
      handler: createCommandHandler({ store: api.store }),
      hasher: createPasswordHasher(),
      clock: () => new Date(),
      logger: pino({ level: 'silent' }),
      ids: randomIds,
    },
    { email, password: ADMIN_PASSWORD },
  );
  const login = await answer(
    commandClient(api.http.url).POST('/api/v1/users/login', { body: { email, password: ADMIN_PASSWORD } }),
  );
  if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${login.text}`);
  const customer = await signUp(api.http);
  return { ...api, adminToken: login.body.access_token, customer };
}
export type ShopApi = CommandApiForTest & Awaited<ReturnType<typeof startShopApi>>;

export const productInput = (overrides: Record<string, unknown> = {}) => ({
  name: 'Trail Runner 2',
  description: 'A light trail shoe',
  price: 19.99,
  category: 'Shoes',
  brand: 'Acme',
  images: ['https://img.example.com/trail-runner-2.jpg'],
  specifications: { weight: '250 g', sizes: [40, 41, 42] },
  ...overrides,
});

/** Lists a product (201 expected) through the generated client and returns its body. */
export async function createProduct(
  http: TestServer,
  adminToken: string,
  overrides: Record<string, unknown> = {},
) {
  // The overrides may be anything a test wants listed, so the server judges the body, not tsc.
  const body = productInput(overrides) as components['schemas']['postProductsBody'];
  const created = await answer(commandClient(http.url, adminToken).POST('/api/v1/products', { body }));
  if (created.status !== 201) throw new Error(`create product failed: ${created.status} ${created.text}`);
  return created.body;
}

/**
 * Sends a request that must be refused and checks the store did not move: returns the response
 * and whether the head position is unchanged.
 */
export async function refused<R = Awaited<ReturnType<TestServer['request']>>>(
  api: CommandApiForTest,
  send: () => Promise<R>,
) {
  const before = await api.head();
  const response = await send();
  const after = await api.head();
  return { response, appended: before !== after };
}

/**
 * The sandbox payment provider on the shop's own database, which exists only once the API has started:
 * pass `payments` to startShopApi, then `attach(api.db.url)`.
 */
export function lateSandboxPayments() {
  let sandbox: PaymentProvider | undefined;
  let pool: pg.Pool | undefined;
  const payments: PaymentProvider = {
    charge: (request) => sandbox!.charge(request),
    findCharge: (key) => sandbox!.findCharge(key),
    refund: (request) => sandbox!.refund(request),
  };
  return {
    payments,
    async attach(url: string) {
      pool = new pg.Pool({ connectionString: url, max: 2 });
      await migratePayments(pool);
      sandbox = createSandboxPaymentProvider({ pool });
    },
    close: async () => pool?.end(),
  };
}
