import type { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../../application/checkout/test-support.ts';
import { answer, commandClient } from '../../test/api-client/clients.ts';
import type { Notifier } from './notifier.ts';
import { addressesOf, type LifecycleWorld, startLifecycleWorld } from './test-support.ts';

// A notifier loses its lease while its reminder waits out an SMTP outage; a standby takes over. Once the
// server is back the customer gets the reminder once, not once from each.
const delayMs = 2_000;
let world: LifecycleWorld;
let standby: Notifier | undefined;
const as = (token?: string) => commandClient(world.http.url, token);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  world = await startLifecycleWorld('reminder_lease', {
    ABANDONED_CART_AFTER_HOURS: String(delayMs / 3_600_000),
  });
});
afterAll(async () => {
  await standby?.stop();
  await world?.close();
});

/** Mails a notifier is waiting to hand to the SMTP server (its mail_waiting gauge). */
const mailWaiting = async (registry: Registry) =>
  (await registry.getSingleMetric('mail_waiting')?.get())?.values[0]?.value;

/** application_name of the session holding the notifier's lease. */
const holder = async () =>
  (
    await world.pool.query<{ application_name: string }>(
      `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.objid = hashtext('notifier')::oid`,
    )
  ).rows.map((row) => row.application_name);

it('sends a reminder once when its sender loses the lease while SMTP is down', {
  timeout: 120_000,
}, async () => {
  const admin = await world.admin();
  const product = await answer(
    as(admin).POST('/api/v1/products', {
      body: { name: 'Kettle', price: 30, category: 'Home', initial_stock: 50 },
    }),
  );
  const email = 'handover@shop.test';
  const password = 'Secret#123';
  await answer(
    as().POST('/api/v1/users/register', { body: { email, password, first_name: 'A', last_name: 'B' } }),
  );
  const token = (await answer(as().POST('/api/v1/users/login', { body: { email, password } }))).body
    .access_token;
  await answer(as(token).PUT('/api/v1/users/me/preferences', { body: { marketing_emails: true } }));
  await world.mail.waitFor((m) => addressesOf(m).includes(email)); // the first notifier is live

  await world.mail.stop();
  const added = await answer(
    as(token).POST('/api/v1/cart/add', { body: { product_id: product.body.product_id, quantity: 1 } }),
  );
  expect(added.status).toBe(200);
  // The first notifier's reminder loop waits to send the reminder.
  await eventually(async () => expect(await mailWaiting(world.registry)).toBe(1));

  // Quicker than the first notifier to take a lease that falls free.
  const second = world.standbyNotifier('standby', { leaseRetryMs: 50 });
  standby = second.notifier;
  const { metrics } = second;
  standby.start();
  // The first notifier's lease session drops (a network blip) until the standby holds the lease.
  await eventually(
    async () => {
      await world.pool.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [`projection-leases:${process.pid}`],
      );
      expect(await holder()).toEqual(['projection-leases:standby']);
    },
    30_000,
    700,
  );
  // The standby's reminder loop now waits to send the same reminder.
  await eventually(async () => expect(await mailWaiting(metrics.registry)).toBe(1));

  await world.mail.start();
  await world.mail.waitFor((m) => addressesOf(m).includes(email) && m.subject === 'Your cart is waiting');
  await eventually(async () => {
    const { rows } = await world.pool.query('SELECT 1 FROM notifier_cart_reminders');
    expect(rows).toHaveLength(0);
  });
  await sleep(1_500); // a second sender, had there been one, was waiting on the same server
  const reminders = world.mail.received.filter(
    (m) => addressesOf(m).includes(email) && m.subject === 'Your cart is waiting',
  );
  expect(reminders).toHaveLength(1);
});
