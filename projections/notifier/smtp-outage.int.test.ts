import { afterAll, beforeAll, expect, it } from 'vitest';
import { addressesOf, type LifecycleWorld, startLifecycleWorld } from './test-support.ts';

// The SMTP server goes away for 20 s while customers register; once it is back every mail arrives,
// once. Then a notifier that starts again from the beginning of the log sends nothing twice.
const outageMs = 20_000;
let world: LifecycleWorld;

beforeAll(async () => {
  world = await startLifecycleWorld('smtp_outage');
});
afterAll(async () => {
  await world?.close();
});

const register = (email: string) =>
  world.http.request('POST', '/api/v1/users/register', {
    body: { email, password: 'Secret#123', first_name: 'Ada', last_name: 'Lovelace' },
  });
const until = async (what: () => boolean | Promise<boolean>, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 100));
  }
};
const metric = async (name: string) => {
  const text = await world.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : 0;
};

it('delays mail while SMTP is down for 20 s and loses none; a replay sends nothing twice', {
  timeout: 120_000,
}, async () => {
  expect((await register('before@shop.test')).status).toBe(201);
  await world.mail.waitFor((m) => addressesOf(m).includes('before@shop.test'));
  expect(world.notifier.ready().ok).toBe(true);

  await world.mail.stop();
  const during = ['during-1@shop.test', 'during-2@shop.test', 'during-3@shop.test'];
  for (const email of during) expect((await register(email)).status).toBe(201);
  await until(() => !world.notifier.ready().ok);
  await until(async () => (await metric('mail_waiting')) === 1);
  await expect(world.notifier.check()).rejects.toThrow(/SMTP unavailable/);
  // What /ready shows of the outage: the failure's kind and code, not the server's address.
  const { lastError } = world.notifier.status().transport;
  expect(lastError).toMatch(/^\w*Error\b.* E[A-Z]+/);
  expect(lastError).not.toMatch(/127\.0\.0\.1|localhost/);
  await new Promise((r) => setTimeout(r, outageMs));
  expect(world.mail.received.filter((m) => during.some((e) => addressesOf(m).includes(e)))).toEqual([]);

  await world.mail.start();
  const arrived = await world.mail.waitFor((m) => during.some((e) => addressesOf(m).includes(e)), 3, 60_000);
  expect(arrived.flatMap(addressesOf).sort()).toEqual([...during].sort());
  await until(() => world.notifier.ready().ok);
  // The gauge drops once the send is recorded, a moment after the SMTP server has the mail.
  await until(async () => (await metric('mail_waiting')) === 0);

  // From the start of the log again: every (event, kind) is in notifier_sent_mail, so nothing is resent.
  const count = world.mail.received.length;
  await world.restartNotifier({ fromScratch: true });
  expect((await register('after@shop.test')).status).toBe(201);
  await world.mail.waitFor((m) => addressesOf(m).includes('after@shop.test'));
  expect(world.mail.received.length).toBe(count + 1);
  const ids = world.mail.received.map((m) => m.messageId);
  expect(new Set(ids).size).toBe(ids.length);
});
