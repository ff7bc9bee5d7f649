import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, commandClient, invalid } from '../../test/api-client/clients.ts';
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
// Every call goes through the client generated from docs/openapi/command-api.json, and every answer is
// checked against its route's declared schema (test/api-client/response-check.ts); a body the API must
// refuse goes through `invalid()`.
const as = (token?: string) => commandClient(world.http.url, token);
const verifyEmail = (token: string) => answer(as().POST('/api/v1/users/verify-email', { body: { token } }));
const resetPassword = (token: string, new_password: string) =>
  answer(as().POST('/api/v1/users/password-reset/confirm', { body: { token, new_password } }));

beforeAll(async () => {
  world = await startLifecycleWorld('account_mail', { REQUIRE_VERIFIED_EMAIL: 'true' });
  adminToken = await world.admin();
});
afterAll(async () => {
  await world?.close();
});

let counter = 0;
async function register(email = `c${++counter}-${Date.now()}@shop.test`, password = 'Secret#123') {
  const registered = await answer(
    as().POST('/api/v1/users/register', {
      body: { email, password, first_name: 'Grace', last_name: 'Hopper' },
    }),
  );
  expect(registered.status).toBe(201);
  expect(registered.body.verification_required).toBe(true);
  const login = await answer(as().POST('/api/v1/users/login', { body: { email, password } }));
  return { email, password, access: login.body.access_token, refresh: login.body.refresh_token };
}
const mailTo = (email: string, subject: RegExp, count = 1) =>
  world.mail.waitFor((m) => addressesOf(m).includes(email) && subject.test(m.subject ?? ''), count);

describe('email verification and order mail over a real SMTP server', () => {
  it('register → verification mail → verify → order → confirmed, shipped, delivered mails in order', async () => {
    const product = await answer(
      as(adminToken).POST('/api/v1/products', {
        body: { name: 'Lamp', price: 25, category: 'Home', initial_stock: 10 },
      }),
    );
    expect(product.status).toBe(201);
    const customer = await register();
    const [verification] = await mailTo(customer.email, /Verify your email/);
    expect(verification!.from?.value[0]?.address).toBe('no-reply@shop.test');
    expect(verification!.html).toContain('http://shop.test/verify-email?token=');
    const token = tokenIn(verification!)!;

    const added = await answer(
      as(customer.access).POST('/api/v1/cart/add', {
        body: { product_id: product.body.product_id, quantity: 2 },
      }),
    );
    expect(added.status).toBe(200);
    const placeOrder = () =>
      answer(
        as(customer.access).POST('/api/v1/orders', {
          body: {
            shipping_address: address,
            billing_address: address,
            payment_method: { type: 'card', token: 'tok_visa' },
          },
        }),
      );
    const before = await world.eventCount();
    assertErrorBody(await placeOrder(), 403, 'AUTH_1005');
    expect(await world.eventCount()).toBe(before);

    const verified = await verifyEmail(token);
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ email_verified: true });
    const placed = await placeOrder();
    expect(placed.status).toBe(201);
    const orderId = placed.body.order_id;
    const order_id = { path: { order_id: orderId } };
    const admin = as(adminToken);
    const moves = [
      () => answer(admin.POST('/api/v1/orders/{order_id}/process', { params: order_id })),
      () =>
        answer(
          admin.POST('/api/v1/orders/{order_id}/ship', {
            params: order_id,
            body: { tracking_number: 'TRACK-123' },
          }),
        ),
      () => answer(admin.POST('/api/v1/orders/{order_id}/deliver', { params: order_id })),
    ];
    for (const move of moves) expect((await move()).status).toBe(200);
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
    expect(orderMail[0]!.text).toContain(`Total: ${placed.body.total.toFixed(2)} USD`);
    expect(orderMail[1]!.text).toContain('TRACK-123');
    for (const m of [verification!, ...orderMail])
      expect(m.messageId).toMatch(/^<[0-9a-f-]{36}\.[a-z_]+@shop\.test>$/);
  });

  it('refuses a used, a forged, a malformed and an expired token, appending nothing', async () => {
    const first = await register();
    const [mail] = await mailTo(first.email, /Verify your email/);
    const token = tokenIn(mail!)!;
    expect((await verifyEmail(token)).status).toBe(200);
    const before = await world.eventCount();
    assertErrorBody(await verifyEmail(token), 401, 'AUTH_1003');
    assertErrorBody(await verifyEmail('A'.repeat(43)), 401, 'AUTH_1003');
    assertErrorBody(await verifyEmail('x'), 401, 'AUTH_1003');
    const missing = await answer(as().POST('/api/v1/users/verify-email', { body: invalid({}) }));
    expect(missing.status).toBe(400);
    expect(await world.eventCount()).toBe(before);

    const second = await register();
    const [late] = await mailTo(second.email, /Verify your email/);
    world.shiftClock(24 * 3_600_000 + 60_000);
    try {
      assertErrorBody(await verifyEmail(tokenIn(late!)!), 401, 'AUTH_1002');
    } finally {
      world.shiftClock(0);
    }
  });

  it('resets a password with the mailed token and ends every session; unknown emails get no mail', async () => {
    const customer = await register();
    await mailTo(customer.email, /Verify your email/);
    const requestReset = (email: string) =>
      answer(as().POST('/api/v1/users/password-reset', { body: { email } }));
    expect((await requestReset('nobody-here@shop.test')).status).toBe(202);
    expect((await requestReset(customer.email)).status).toBe(202);
    const [reset] = await mailTo(customer.email, /Reset your password/);
    expect(reset!.html).toContain('http://shop.test/reset-password?token=');
    const token = tokenIn(reset!)!;

    assertErrorBody(await resetPassword(token, 'short'), 400, 'VAL_2001');
    const confirmed = await resetPassword(token, 'Brand#New456');
    expect(confirmed.status).toBe(204);
    expect(confirmed.headers.get('x-consistency-token')).toMatch(/^\d+\.\d+$/); // a command's answer
    assertErrorBody(await resetPassword(token, 'Other#New789'), 401, 'AUTH_1003');

    const refresh = await answer(
      as().POST('/api/v1/users/refresh', { body: { refresh_token: customer.refresh } }),
    );
    expect(refresh.status).toBe(401);
    const resend = await answer(as(customer.access).POST('/api/v1/users/verify-email/resend'));
    expect(resend.status).toBe(401);
    const login = (password: string) =>
      answer(as().POST('/api/v1/users/login', { body: { email: customer.email, password } }));
    assertErrorBody(await login(customer.password), 401, 'AUTH_1001');
    expect((await login('Brand#New456')).status).toBe(200);
    expect(world.mail.received.some((m) => addressesOf(m).includes('nobody-here@shop.test'))).toBe(false);
  });

  it('rate limits verification resends (429) and sets the marketing preference', async () => {
    const customer = await register();
    // The "resending verification 100 times": the first VERIFY_RESEND_PER_HOUR (5) go through.
    const statuses: number[] = [];
    const resend = () => answer(as(customer.access).POST('/api/v1/users/verify-email/resend'));
    let last: Awaited<ReturnType<typeof resend>> | undefined;
    for (let i = 0; i < 100; i++) {
      last = await resend();
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 5)).toEqual([202, 202, 202, 202, 202]);
    expect(statuses.slice(5).every((status) => status === 429)).toBe(true);
    assertErrorBody(last!, 429, 'RATE_4291');
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/);
    // The window is the hour, not the minute of the other limits.
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(60);
    const setPreferences = (body: { marketing_emails: boolean }) =>
      answer(as(customer.access).PUT('/api/v1/users/me/preferences', { body }));
    const prefs = await setPreferences({ marketing_emails: true });
    expect(prefs.status).toBe(200);
    expect(prefs.body).toMatchObject({ marketing_emails: true, email_verified: false });
    assertErrorBody(await setPreferences(invalid({ marketing_emails: 'yes' })), 400, 'VAL_2001');
  });
});
