import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { commandApiContext, createCommandApi } from '../../command-api/app.ts';
import { bootstrapAdmin } from '../../command-api/identity/bootstrap-admin.ts';
import { loadConfig } from '../../infra/config.ts';
import { createProjectionService } from '../../projections/service.ts';
import { createReadSideForTest } from '../../projections/test-support.ts';
import { startQueryApiForTest } from '../../query-api/test-support.ts';
import { answer, commandClient, queryClient } from '../api-client/clients.ts';
import type { components } from '../api-client/command-api.d.ts';
import { startTestServer } from './http.ts';

type Schemas = components['schemas'];
/** A guest's X-Cart-Token, when it has one yet. */
const cartHeader = (cartToken?: string) => (cartToken ? { 'X-Cart-Token': cartToken } : {});

/** The command and query APIs and the projections on one fresh database, for the guest cart e2e tests. */
export async function startGuestCartApis(label: string) {
  const side = await createReadSideForTest(label);
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: 'guest-cart-e2e-secret-0123456789abcdefgh',
    RATE_LIMIT_AUTH_PER_MIN: '0',
    RATE_LIMIT_CHECKOUT_PER_MIN: '0',
    RATE_LIMIT_GENERAL_PER_MIN: '0',
    LOG_LEVEL: 'silent',
  });
  const deps = { store: side.store, redis: side.redis, config, logger: side.logger };
  const context = commandApiContext(deps);
  const command = await startTestServer(createCommandApi({ ...deps, context }));
  const query = await startQueryApiForTest(side, {
    authenticator: context.authenticator,
    consistencyWaitMs: 15_000,
  });
  const service = createProjectionService(side.deps, { leaseRetryMs: 50, heartbeatMs: 100 });
  service.start();
  const admin = { email: 'guest-cart-admin@example.com', password: 'Admin#Pass123' };
  await bootstrapAdmin(context, admin);
  const adminToken = (await answer(commandClient(command.url).POST('/api/v1/users/login', { body: admin })))
    .body.access_token;

  // Every call goes through the clients generated from docs/openapi/*.json, and every answer is checked
  // against its route's declared schema (test/api-client/response-check.ts).
  const guestClient = commandClient(command.url);
  /** The cart routes as a guest: without a token the first add issues one (X-Cart-Token). */
  const asGuest = {
    add: (cartToken: string | undefined, body: Schemas['postCartAddBody']) =>
      answer(guestClient.POST('/api/v1/cart/add', { headers: cartHeader(cartToken), body })),
    update: (cartToken: string | undefined, body: Schemas['putCartUpdateBody']) =>
      answer(guestClient.PUT('/api/v1/cart/update', { headers: cartHeader(cartToken), body })),
    remove: (cartToken: string | undefined, cart_item_id: string) =>
      answer(
        guestClient.DELETE('/api/v1/cart/items/{cart_item_id}', {
          headers: cartHeader(cartToken),
          params: { path: { cart_item_id } },
        }),
      ),
    clear: (cartToken?: string) =>
      answer(guestClient.DELETE('/api/v1/cart', { headers: cartHeader(cartToken) })),
  };
  return {
    side,
    command,
    query,
    adminToken,
    asGuest,
    /** Lists a product with plenty of stock at this price. */
    async product(price: number) {
      const response = await answer(
        commandClient(command.url, adminToken).POST('/api/v1/products', {
          body: { name: `Thing ${price}`, price, category: 'Things', initial_stock: 500 },
        }),
      );
      expect(response.status).toBe(201);
      return response.body.product_id;
    },
    /** The number of events in the log, to compare before/after a refusal. */
    head: async () => (await side.pool.query<{ n: string }>('SELECT count(*) AS n FROM messages')).rows[0]!.n,
    streamEvents: async (stream: string) =>
      (
        await side.pool.query<{ type: string; data: unknown }>(
          'SELECT type, data FROM messages WHERE stream_name = $1 ORDER BY stream_revision',
          [stream],
        )
      ).rows,
    /** GET /cart on the query API, as a guest by `cartToken` or (`bearer`) signed in. */
    readCart: (cartToken?: string, consistency?: string | null, bearer?: string) =>
      answer(
        queryClient(query.http.url, bearer).GET('/api/v1/cart', {
          headers: {
            ...cartHeader(cartToken),
            ...(consistency ? { 'X-Consistency-Token': consistency } : {}),
          },
        }),
      ),
    /** A new guest cart with these lines; its token and the last consistency token. */
    async guestCart(lines: [string, number][]) {
      let token: string | undefined;
      let consistency: string | null = null;
      for (const [productId, quantity] of lines) {
        const added = await asGuest.add(token, { product_id: productId, quantity });
        expect(added.status).toBe(200);
        token ??= added.headers.get('x-cart-token') ?? undefined;
        consistency = added.headers.get('x-consistency-token');
      }
      return { token: token!, consistency };
    },
    async close() {
      await query.close();
      await command.close();
      await service.stop();
      await side.close();
    },
  };
}

export type GuestCartApis = Awaited<ReturnType<typeof startGuestCartApis>>;

/** The guest cart's stream: the hash of its token, never the token. */
export const guestStream = (token: string) => `cart-gst_${createHash('sha256').update(token).digest('hex')}`;
