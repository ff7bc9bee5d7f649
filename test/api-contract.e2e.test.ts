import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, type ShopApi, startShopApi } from '../command-api/catalog/e2e-fixtures.ts';
import { startReadSideFor } from '../command-api/catalog/read-side-e2e-fixtures.ts';
import { signUp } from '../command-api/test-support.ts';
import type { PaymentProvider } from '../infra/payments/port.ts';
import { createSandboxPaymentProvider, migratePayments } from '../infra/payments/sandbox-provider.ts';
import { answer, commandClient, queryClient } from './api-client/clients.ts';

/**
 * Issue 13: every route answers what its OpenAPI document declares. A customer's whole journey runs
 * through the clients generated from the documents (test/api-client), whose middleware holds each answer
 * to its route's declared status and schema, and every query route is then read: a presenter that drifts
 * from its declared schema (a field renamed, added, or null where the document says it never is) fails.
 */

let api: ShopApi;
let read: Awaited<ReturnType<typeof startReadSideFor>>;
let sandbox: PaymentProvider | undefined;
let sandboxPool: pg.Pool | undefined;
const payments: PaymentProvider = {
  charge: (request) => sandbox!.charge(request),
  findCharge: (key) => sandbox!.findCharge(key),
  refund: (request) => sandbox!.refund(request),
};
const address = {
  street: '1 Main St',
  city: 'Springfield',
  state: 'IL',
  postal_code: '62701',
  country: 'US',
};

beforeAll(async () => {
  api = await startShopApi('api_contract_e2e', { payments });
  sandboxPool = new pg.Pool({ connectionString: api.db.url, max: 2 });
  await migratePayments(sandboxPool);
  sandbox = createSandboxPaymentProvider({ pool: sandboxPool });
  read = await startReadSideFor(api, { auditAndExport: true });
});
afterAll(async () => {
  await read?.close();
  await sandboxPool?.end();
  await api?.close();
});

/** Fails the test with the server's error body when a call was not a success. */
async function ok<T extends { status: number; text: string }>(call: Promise<T>): Promise<T> {
  const result = await call;
  expect(result.status, result.text).toBeLessThan(300);
  return result;
}

describe('every answer matches its declared schema, through the generated clients', () => {
  it('a customer journey on the command API, then every query route', async () => {
    const admin = commandClient(api.http.url, api.adminToken);
    const customer = await signUp(api.http);
    const me = commandClient(api.http.url, customer.accessToken);

    const lamp = await createProduct(api.http, api.adminToken, {
      name: 'Desk Lamp',
      category: 'Lighting',
      initial_stock: 20,
    });
    const at = { params: { path: { product_id: lamp.product_id } } };
    await ok(answer(admin.POST('/api/v1/categories', { body: { name: 'Outdoor' } })));
    await ok(answer(admin.PUT('/api/v1/products/{product_id}', { ...at, body: { brand: 'Lumen' } })));
    await ok(answer(admin.POST('/api/v1/inventory/{product_id}/receive', { ...at, body: { quantity: 5 } })));
    const rule = await ok(
      answer(
        admin.POST('/api/v1/pricing/rules', {
          body: {
            name: 'Two or more',
            kind: 'quantity',
            percent_off: 10,
            scope: { product_id: lamp.product_id },
            min_quantity: 2,
          },
        }),
      ),
    );
    expect(rule.body.rule_id).toMatch(/^prl_/);
    await ok(answer(admin.POST('/api/v1/coupons', { body: { code: 'WELCOME-10', percent_off: 10 } })));

    const cart = await ok(
      answer(me.POST('/api/v1/cart/add', { body: { product_id: lamp.product_id, quantity: 2 } })),
    );
    expect(cart.body.items).toHaveLength(1);
    await ok(answer(me.PUT('/api/v1/users/profile', { body: { phone: '+14155550100' } })));
    await ok(answer(me.PUT('/api/v1/users/me/preferences', { body: { marketing_emails: true } })));
    const order = await ok(
      answer(
        me.POST('/api/v1/orders', {
          body: {
            shipping_address: address,
            billing_address: address,
            payment_method: { type: 'card', token: 'tok_visa' },
          },
        }),
      ),
    );
    const order_id = order.body.order_id;
    const path = { params: { path: { order_id } } };
    await ok(answer(admin.POST('/api/v1/orders/{order_id}/process', path)));
    await ok(
      answer(admin.POST('/api/v1/orders/{order_id}/ship', { ...path, body: { tracking_number: '1Z9' } })),
    );
    await ok(answer(admin.POST('/api/v1/orders/{order_id}/deliver', path)));
    await ok(
      answer(
        me.POST('/api/v1/products/{product_id}/reviews', {
          ...at,
          body: { rating: 5, title: 'Bright', body: 'Lights the whole desk.' },
        }),
      ),
    );
    await ok(answer(me.POST('/api/v1/cart/add', { body: { product_id: lamp.product_id, quantity: 1 } })));
    const held = await ok(answer(me.POST('/api/v1/checkout/reservations')));
    const reservation = { params: { path: { reservation_id: held.body.reservation_id } } };
    await ok(answer(me.DELETE('/api/v1/checkout/reservations/{reservation_id}', reservation)));
    const second = await ok(
      answer(
        me.POST('/api/v1/orders', {
          body: {
            shipping_address: address,
            billing_address: address,
            payment_method: { type: 'card', token: 'tok_visa' },
          },
        }),
      ),
    );
    const cancelled = await ok(
      answer(
        me.POST('/api/v1/orders/{order_id}/cancel', {
          params: { path: { order_id: second.body.order_id } },
          body: { reason: 'changed my mind' },
        }),
      ),
    );
    expect(cancelled.body.status).toBe('cancelled');
    await ok(answer(me.POST('/api/v1/cart/add', { body: { product_id: lamp.product_id, quantity: 1 } })));

    const headers = await read.caughtUp();
    const anyone = queryClient(read.query.http.url);
    // The query API under test signs with its own key: its token minter, for the same user ids.
    const mine = queryClient(read.query.http.url, read.query.token('customer', customer.userId));
    const boss = queryClient(read.query.http.url, read.query.token('admin'));
    const products = await ok(answer(anyone.GET('/api/v1/products', { headers })));
    expect(products.body.products.map((p) => p.product_id)).toContain(lamp.product_id);
    await ok(answer(anyone.GET('/api/v1/products/search', { params: { query: { q: 'lamp' } }, headers })));
    const detail = await ok(answer(anyone.GET('/api/v1/products/{product_id}', { ...at, headers })));
    expect(detail.body.brand).toBe('Lumen');
    await ok(answer(anyone.GET('/api/v1/products/{product_id}/reviews', { ...at, headers })));
    await ok(
      answer(anyone.GET('/api/v1/products/{product_id}/frequently-bought-together', { ...at, headers })),
    );
    await ok(answer(anyone.GET('/api/v1/categories', { headers })));
    await ok(
      answer(
        anyone.GET('/api/v1/pricing/{product_id}/price', {
          ...at,
          params: { ...at.params, query: { quantity: '2' } },
          headers,
        }),
      ),
    );
    await ok(answer(boss.GET('/api/v1/pricing/rules', { headers })));
    await ok(answer(boss.GET('/api/v1/inventory/{product_id}', { ...at, headers })));
    const theirCart = await ok(answer(mine.GET('/api/v1/cart', { headers })));
    expect(theirCart.body.items[0]?.in_stock).toBe(true);
    await ok(answer(mine.GET('/api/v1/users/me', { headers })));
    const orders = await ok(answer(mine.GET('/api/v1/orders', { headers })));
    expect(orders.body.orders.map((o) => o.order_id).sort()).toEqual([order_id, second.body.order_id].sort());
    const placed = await ok(answer(mine.GET('/api/v1/orders/{order_id}', { ...path, headers })));
    expect(placed.body.status).toBe('delivered');
    await ok(
      answer(mine.GET('/api/v1/recommendations', { params: { query: { type: 'popular' } }, headers })),
    );
    await ok(answer(mine.GET('/api/v1/users/me/data', { headers })));
    await ok(
      answer(
        boss.GET('/api/v1/audit/streams/{stream_name}', {
          params: { path: { stream_name: `order-${order_id}` } },
        }),
      ),
    );
    await ok(answer(boss.GET('/api/v1/audit/events', { params: { query: { limit: '5' } } })));
    await ok(answer(boss.GET('/api/v1/audit/access-log')));
    await ok(
      answer(
        boss.GET('/api/v1/audit/{aggregate_type}/{aggregate_id}/state', {
          params: { path: { aggregate_type: 'order', aggregate_id: order_id } },
        }),
      ),
    );

    // Identity: registration, sessions, roles, mail-triggering requests; the account's end, last.
    const anonymous = commandClient(api.http.url);
    const email = `contract-${Date.now()}@example.com`;
    const password = 'Contract#123';
    const registered = await ok(
      answer(
        anonymous.POST('/api/v1/users/register', {
          body: { email, password, first_name: 'Ada', last_name: 'Lovelace' },
        }),
      ),
    );
    const session = await ok(answer(anonymous.POST('/api/v1/users/login', { body: { email, password } })));
    await ok(
      answer(
        anonymous.POST('/api/v1/users/refresh', { body: { refresh_token: session.body.refresh_token } }),
      ),
    );
    await ok(answer(anonymous.POST('/api/v1/users/password-reset', { body: { email } })));
    await ok(
      answer(
        commandClient(api.http.url, session.body.access_token).POST('/api/v1/users/verify-email/resend'),
      ),
    );
    const user = { params: { path: { user_id: registered.body.user_id } } };
    await ok(answer(admin.POST('/api/v1/users/{user_id}/roles', { ...user, body: { role: 'auditor' } })));
    await ok(answer(admin.POST('/api/v1/users/{user_id}/tier', { ...user, body: { tier: 'gold' } })));
    await ok(answer(admin.DELETE('/api/v1/users/{user_id}', user)));
    await ok(answer(me.POST('/api/v1/users/logout')));
    const again = await signUp(api.http);
    await ok(
      answer(
        commandClient(api.http.url, again.accessToken).DELETE('/api/v1/users/me', {
          body: { password: again.password },
        }),
      ),
    );
  });
});
