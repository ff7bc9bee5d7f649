import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../../application/checkout/test-support.ts';
import { answer, commandClient } from '../../test/api-client/clients.ts';
import { addressesOf, type LifecycleWorld, startLifecycleWorld } from './test-support.ts';

// ABANDONED_CART_AFTER_HOURS in seconds: 6 s after the last cart change.
const delayMs = 6_000;
const address = {
  street: '1 Main St',
  city: 'Springfield',
  state: 'IL',
  postal_code: '62701',
  country: 'US',
};
let world: LifecycleWorld;
let productId: string;
// Every call goes through the client generated from docs/openapi/command-api.json, and every answer is
// checked against its route's declared schema (test/api-client/response-check.ts).
const as = (token?: string) => commandClient(world.http.url, token);

beforeAll(async () => {
  world = await startLifecycleWorld('cart_reminder', {
    ABANDONED_CART_AFTER_HOURS: String(delayMs / 3_600_000),
  });
  const admin = await world.admin();
  const product = await answer(
    as(admin).POST('/api/v1/products', {
      body: { name: 'Kettle', price: 30, category: 'Home', initial_stock: 50 },
    }),
  );
  expect(product.status).toBe(201);
  productId = product.body.product_id;
});
afterAll(async () => {
  await world?.close();
});

async function shopper(email: string, marketing: boolean) {
  const password = 'Secret#123';
  const registered = await answer(
    as().POST('/api/v1/users/register', {
      body: { email, password, first_name: 'Cart', last_name: 'Owner' },
    }),
  );
  expect(registered.status).toBe(201);
  const login = await answer(as().POST('/api/v1/users/login', { body: { email, password } }));
  const token = login.body.access_token;
  if (marketing) {
    const consent = await answer(
      as(token).PUT('/api/v1/users/me/preferences', { body: { marketing_emails: true } }),
    );
    expect(consent.status).toBe(200);
  }
  const add = () =>
    answer(as(token).POST('/api/v1/cart/add', { body: { product_id: productId, quantity: 1 } }));
  expect((await add()).status).toBe(200);
  return { email, token, add };
}
const reminders = (email: string) =>
  world.mail.received.filter((m) => addressesOf(m).includes(email) && m.subject === 'Your cart is waiting');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const other = (i: number) => ({
  email: `other-${i}@shop.test`,
  password: 'Secret#123',
  first_name: 'Other',
  last_name: 'Shopper',
});
const skippedReminders = async () => {
  const { rows } = await world.pool.query<{ n: string }>(
    "SELECT count(*) AS n FROM notifier_sent_mail WHERE kind = 'cart_reminder' AND status = 'skipped'",
  );
  return Number(rows[0]!.n);
};

it('reminds once after the delay; none after checkout, none without consent, none after unsubscribe', {
  timeout: 90_000,
}, async () => {
  const kept = await shopper('kept@shop.test', true);
  const bought = await shopper('bought@shop.test', true);
  const silent = await shopper('silent@shop.test', false);
  const placed = await answer(
    as(bought.token).POST('/api/v1/orders', {
      body: {
        shipping_address: address,
        billing_address: address,
        payment_method: { type: 'card', token: 'tok_visa' },
      },
    }),
  );
  expect(placed.status).toBe(201);

  const [reminder] = await world.mail.waitFor(
    (m) => addressesOf(m).includes(kept.email) && m.subject === 'Your cart is waiting',
  );
  expect(reminder!.text).toContain('You left 1 item(s) in your cart.');
  const link = /http:\/\/shop\.test(\/api\/v1\/users\/unsubscribe\?token=[A-Za-z0-9_-]{43})/.exec(
    reminder!.text ?? '',
  );
  expect(reminder!.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toContain(link![1]);
  await sleep(delayMs * 2);
  expect(reminders(kept.email)).toHaveLength(1);
  expect(reminders(bought.email)).toHaveLength(0);
  expect(reminders(silent.email)).toHaveLength(0);

  // One click, no sign-in: marketing mail off; the next cart change arms nothing that is sent.
  const token = new URL(link![1]!, 'http://shop.test').searchParams.get('token')!;
  const unsubscribe = () => answer(as().GET('/api/v1/users/unsubscribe', { params: { query: { token } } }));
  const unsubscribed = await unsubscribe();
  expect(unsubscribed.status).toBe(200);
  expect(unsubscribed.body).toMatchObject({ marketing_emails: false });
  expect(unsubscribed.headers.get('x-consistency-token')).toMatch(/^\d+\.\d+$/); // a command's answer
  expect((await kept.add()).status).toBe(200);
  await sleep(delayMs * 2 + 1_000);
  expect(reminders(kept.email)).toHaveLength(1);
  const again = await unsubscribe();
  expect(again.status).toBe(401);
});

it('a notifier catching up reminds a cart once, for its newest change', { timeout: 90_000 }, async () => {
  const first = await shopper('catching-up@shop.test', true);
  await world.notifier.stop(); // down for a while (a deploy, a crash)
  expect((await first.add()).status).toBe(200);
  // Other traffic between two changes of the cart, so catching up takes them in different batches.
  for (let i = 0; i < 25; i += 1)
    expect((await answer(as().POST('/api/v1/users/register', { body: other(i) }))).status).toBe(201);
  expect((await first.add()).status).toBe(200);
  await sleep(delayMs + 1_000); // both changes' reminders are due
  await world.restartNotifier();
  // Caught up, and every reminder handled: none left armed.
  await eventually(async () => {
    const { rows } = await world.pool.query('SELECT 1 FROM notifier_cart_reminders');
    expect({ state: world.notifier.status().state, armed: rows.length }).toEqual({ state: 'live', armed: 0 });
  }, 30_000);
  await world.mail.waitFor(
    (m) => addressesOf(m).includes(first.email) && m.subject === 'Your cart is waiting',
  );
  const mailed = reminders(first.email);
  expect(mailed).toHaveLength(1);
  expect(mailed[0]!.text).toContain('You left 3 item(s) in your cart.');
});

it('a notifier started over an old log does not remind carts of long ago', { timeout: 90_000 }, async () => {
  const old = await shopper('long-ago@shop.test', true);
  await world.notifier.stop();
  world.shiftNotifierClock(100 * 3_600_000); // four days on, past NOTIFIER_MAX_EVENT_AGE_HOURS (72)
  try {
    const skippedBefore = await skippedReminders();
    await world.restartNotifier();
    await eventually(async () => expect(await skippedReminders()).toBeGreaterThan(skippedBefore));
    expect(reminders(old.email)).toHaveLength(0);
  } finally {
    world.shiftNotifierClock(0);
  }
});

it('drops, unmailed, a reminder armed by a change the cart has since moved past', {
  timeout: 60_000,
}, async () => {
  const moved = await shopper('moved-past@shop.test', true);
  expect((await moved.add()).status).toBe(200);
  const userId = JSON.parse(Buffer.from(moved.token.split('.')[1]!, 'base64url').toString()).sub as string;
  const [older, newer] = (await world.store.readStream(`cart-${userId}`)).filter(
    (e) => e.type === 'ItemAddedToCart',
  );
  const armedBy = async () =>
    (await world.pool.query('SELECT armed_by FROM notifier_cart_reminders WHERE user_id = $1', [userId]))
      .rows[0]?.armed_by;
  await eventually(async () => expect(await armedBy()).toBe(newer!.id));
  await world.notifier.stop();
  // As a notifier that fell behind and read the older change again would leave it, already due.
  await world.pool.query(
    "UPDATE notifier_cart_reminders SET armed_by = $2, due_at = now() - interval '1 minute' WHERE user_id = $1",
    [userId, older!.id],
  );
  await world.restartNotifier();
  await eventually(async () => expect(await armedBy()).toBeUndefined());
  await sleep(500);
  expect(reminders(moved.email)).toHaveLength(0);
});
