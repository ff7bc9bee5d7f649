import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, commandClient } from '../../test/api-client/clients.ts';
import { assertErrorBody } from '../../test/support/http.ts';
import { addressesOf, type LifecycleWorld, startLifecycleWorld, tokenIn } from './test-support.ts';

const address = {
  street: '1 Main St',
  city: 'Springfield',
  state: 'IL',
  postal_code: '62701',
  country: 'US',
};
let world: LifecycleWorld;
let adminToken: string;

beforeAll(async () => {
  world = await startLifecycleWorld('account_mail', { REQUIRE_VERIFIED_EMAIL: 'true' });
  adminToken = await world.admin();
});
afterAll(async () => {
  await world?.close();
});

let counter = 0;
async function register(email = `c${++counter}-${Date.now()}@shop.test`, password = 'Secret#123') {
  const registered = await world.http.request('POST', '/api/v1/users/register', {
    body: { email, password, first_name: 'Grace', last_name: 'Hopper' },
  });
  expect(registered.status).toBe(201);
  expect(registered.body.verification_required).toBe(true);
  const login = await world.http.request('POST', '/api/v1/users/login', { body: { email, password } });
  return {
    email,
    password,
    access: login.body.access_token as string,
    refresh: login.body.refresh_token as string,
  };
}
const mailTo = (email: string, subject: RegExp, count = 1) =>
  world.mail.waitFor((m) => addressesOf(m).includes(email) && subject.test(m.subject ?? ''), count);

describe('email verification and order mail over a real SMTP server', () => {
  it('register → verification mail → verify → order → confirmed, shipped, delivered mails in order', async () => {
    const product = await world.http.request('POST', '/api/v1/products', {
      token: adminToken,
      body: { name: 'Lamp', price: 25, category: 'Home', initial_stock: 10 },
    });
    expect(product.status).toBe(201);
    const customer = await register();
    const [verification] = await mailTo(customer.email, /Verify your email/);
    expect(verification!.from?.value[0]?.address).toBe('no-reply@shop.test');
    expect(verification!.html).toContain('http://shop.test/verify-email?token=');
    const token = tokenIn(verification!)!;

    const added = await world.http.request('POST', '/api/v1/cart/add', {
      token: customer.access,
      body: { product_id: product.body.product_id, quantity: 2 },
    });
    expect(added.status).toBe(200);
    const order = {
      shipping_address: address,
      billing_address: address,
      payment_method: { type: 'card', token: 'tok_visa' },
    };
    const before = await world.eventCount();
    const early = await world.http.request('POST', '/api/v1/orders', { token: customer.access, body: order });
    assertErrorBody(early, 403, 'AUTH_1005');
    expect(await world.eventCount()).toBe(before);

    // Through the generated client: the answer is held to the route's declared schema.
    const verified = await answer(
      commandClient(world.http.url).POST('/api/v1/users/verify-email', { body: { token: token! } }),
    );
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ email_verified: true });
    const placed = await world.http.request('POST', '/api/v1/orders', {
      token: customer.access,
      body: order,
    });
    expect(placed.status).toBe(201);
    const orderId = placed.body.order_id as string;
    for (const step of ['process', 'ship', 'deliver']) {
      const moved = await world.http.request('POST', `/api/v1/orders/${orderId}/${step}`, {
        token: adminToken,
        ...(step === 'ship' ? { body: { tracking_number: 'TRACK-123' } } : {}),
      });
      expect(moved.status).toBe(200);
    }
    await mailTo(customer.email, /delivered/);
    const orderMail = world.mail.received.filter(
      (m) => addressesOf(m).includes(customer.email) && (m.subject ?? '').includes(orderId),
    );
    expect(orderMail.map((m) => m.subject)).toEqual([
      `Order ${orderId} confirmed`,
      `Order ${orderId} shipped`,
      `Order ${orderId} delivered`,
    ]);
    expect(orderMail[0]!.text).toContain('2 x Lamp @ 25.00 USD = 50.00 USD');
    expect(orderMail[0]!.text).toContain(`Total: ${(placed.body.total as number).toFixed(2)} USD`);
    expect(orderMail[1]!.text).toContain('TRACK-123');
    for (const m of [verification!, ...orderMail])
      expect(m.messageId).toMatch(/^<[0-9a-f-]{36}\.[a-z_]+@shop\.test>$/);
  });

  it('refuses a used, a forged, a malformed and an expired token, appending nothing', async () => {
    const first = await register();
    const [mail] = await mailTo(first.email, /Verify your email/);
    const token = tokenIn(mail!)!;
    expect((await world.http.request('POST', '/api/v1/users/verify-email', { body: { token } })).status).toBe(
      200,
    );
    const before = await world.eventCount();
    const again = await world.http.request('POST', '/api/v1/users/verify-email', { body: { token } });
    assertErrorBody(again, 401, 'AUTH_1003');
    const forged = await world.http.request('POST', '/api/v1/users/verify-email', {
      body: { token: 'A'.repeat(43) },
    });
    assertErrorBody(forged, 401, 'AUTH_1003');
    const malformed = await world.http.request('POST', '/api/v1/users/verify-email', {
      body: { token: 'x' },
    });
    assertErrorBody(malformed, 401, 'AUTH_1003');
    const missing = await world.http.request('POST', '/api/v1/users/verify-email', { body: {} });
    expect(missing.status).toBe(400);
    expect(await world.eventCount()).toBe(before);

    const second = await register();
    const [late] = await mailTo(second.email, /Verify your email/);
    world.shiftClock(24 * 3_600_000 + 60_000);
    try {
      const expired = await world.http.request('POST', '/api/v1/users/verify-email', {
        body: { token: tokenIn(late!) },
      });
      assertErrorBody(expired, 401, 'AUTH_1002');
    } finally {
      world.shiftClock(0);
    }
  });

  it('resets a password with the mailed token and ends every session; unknown emails get no mail', async () => {
    const customer = await register();
    await mailTo(customer.email, /Verify your email/);
    const unknown = await world.http.request('POST', '/api/v1/users/password-reset', {
      body: { email: 'nobody-here@shop.test' },
    });
    expect(unknown.status).toBe(202);
    const known = await world.http.request('POST', '/api/v1/users/password-reset', {
      body: { email: customer.email },
    });
    expect(known.status).toBe(202);
    const [reset] = await mailTo(customer.email, /Reset your password/);
    expect(reset!.html).toContain('http://shop.test/reset-password?token=');
    const token = tokenIn(reset!)!;

    const weak = await world.http.request('POST', '/api/v1/users/password-reset/confirm', {
      body: { token, new_password: 'short' },
    });
    assertErrorBody(weak, 400, 'VAL_2001');
    const confirmed = await answer(
      commandClient(world.http.url).POST('/api/v1/users/password-reset/confirm', {
        body: { token: token!, new_password: 'Brand#New456' },
      }),
    );
    expect(confirmed.status).toBe(204);
    const reused = await world.http.request('POST', '/api/v1/users/password-reset/confirm', {
      body: { token, new_password: 'Other#New789' },
    });
    assertErrorBody(reused, 401, 'AUTH_1003');

    const refresh = await world.http.request('POST', '/api/v1/users/refresh', {
      body: { refresh_token: customer.refresh },
    });
    expect(refresh.status).toBe(401);
    const cart = await world.http.request('POST', '/api/v1/users/verify-email/resend', {
      token: customer.access,
    });
    expect(cart.status).toBe(401);
    const oldLogin = await world.http.request('POST', '/api/v1/users/login', {
      body: { email: customer.email, password: customer.password },
    });
    assertErrorBody(oldLogin, 401, 'AUTH_1001');
    const newLogin = await world.http.request('POST', '/api/v1/users/login', {
      body: { email: customer.email, password: 'Brand#New456' },
    });
    expect(newLogin.status).toBe(200);
    expect(world.mail.received.some((m) => addressesOf(m).includes('nobody-here@shop.test'))).toBe(false);
  });

  it('rate limits verification resends (429) and sets the marketing preference', async () => {
    const customer = await register();
    // The "resending verification 100 times": the first VERIFY_RESEND_PER_HOUR (5) go through.
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof world.http.request>> | undefined;
    for (let i = 0; i < 100; i++) {
      last = await world.http.request('POST', '/api/v1/users/verify-email/resend', {
        token: customer.access,
      });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 5)).toEqual([202, 202, 202, 202, 202]);
    expect(statuses.slice(5).every((status) => status === 429)).toBe(true);
    assertErrorBody(last!, 429, 'RATE_4291');
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/);
    const prefs = await world.http.request('PUT', '/api/v1/users/me/preferences', {
      token: customer.access,
      body: { marketing_emails: true },
    });
    expect(prefs.status).toBe(200);
    expect(prefs.body).toMatchObject({ marketing_emails: true, email_verified: false });
    const bad = await world.http.request('PUT', '/api/v1/users/me/preferences', {
      token: customer.access,
      body: { marketing_emails: 'yes' },
    });
    assertErrorBody(bad, 400, 'VAL_2001');
  });
});
