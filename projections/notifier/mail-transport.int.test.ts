import { pino } from 'pino';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, expect, it } from 'vitest';
import { createMailTransport, type MailTransport } from './mail-transport.ts';

// A real SMTP server that refuses in one way: the transport must tell a refusal of this message (its
// recipient) from a refusal of every message (the login, the sender), which is waited out like an outage.
const logger = pino({ level: 'silent' });
const mail = {
  to: 'grace@example.com',
  from: 'Shop <no-reply@shop.test>',
  messageId: '<e1.order_confirmed@shop.test>',
  subject: 'Your order',
  text: 'Thanks',
  html: '<p>Thanks</p>',
  fileName: 'e1.eml',
};
const open: { server: SMTPServer; transport: MailTransport }[] = [];
afterEach(async () => {
  for (const { server, transport } of open.splice(0)) {
    transport.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function serve(options: SMTPServerOptions, credentials = '') {
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onData(stream, _session, done) {
      stream.resume();
      stream.on('end', () => done());
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as { port: number };
  const transport = createMailTransport({
    smtpUrl: `smtp://${credentials}127.0.0.1:${port}`,
    mailDir: '/nonexistent',
    logger,
    backoff: { baseMs: 20, maxMs: 50 },
  });
  open.push({ server, transport });
  return transport;
}

/** Sends, and expects the send to wait (status unavailable, the given kind) rather than give up. */
async function expectWaits(transport: MailTransport, kind: RegExp) {
  const stop = new AbortController();
  const sending = transport.send(mail, stop.signal);
  const outcome = sending.then(
    (result) => result,
    (error: Error) => error.name,
  );
  for (let tries = 0; transport.status().failures < 2 && tries < 200; tries += 1)
    await new Promise((resolve) => setTimeout(resolve, 10));
  expect(transport.status()).toMatchObject({ smtp: 'unavailable', lastError: expect.stringMatching(kind) });
  stop.abort();
  expect(await outcome).toBe('AbortError');
}

it('gives up on a message whose recipient the server refuses (5xx to RCPT TO)', async () => {
  const transport = await serve({
    authOptional: true,
    onRcptTo(_address, _session, done) {
      done(Object.assign(new Error('No such user'), { responseCode: 550 }));
    },
  });
  expect(await transport.send(mail, new AbortController().signal)).toBe('failed');
});

it('gives up on a message the server finds too large (552 to MAIL FROM), not holding all mail behind it', async () => {
  const transport = await serve({
    authOptional: true,
    onMailFrom(_address, _session, done) {
      done(
        Object.assign(new Error('Message size exceeds fixed maximum message size'), { responseCode: 552 }),
      );
    },
  });
  expect(await transport.send(mail, new AbortController().signal)).toBe('failed');
});

it('waits out a sender the server will not take (550 to MAIL FROM): the setting refuses every message', async () => {
  const transport = await serve({
    authOptional: true,
    onMailFrom(_address, _session, done) {
      done(Object.assign(new Error('Sender address rejected'), { responseCode: 550 }));
    },
  });
  await expectWaits(transport, /550/);
});

it('waits out a refused login (535) instead of dropping every message', async () => {
  const transport = await serve(
    { onAuth: (_auth, _session, done) => done(new Error('Invalid username or password')) },
    'shop:wrong@',
  );
  await expectWaits(transport, /EAUTH/);
});

it('waits out a relay that wants a login it was not given (530)', async () => {
  await expectWaits(await serve({ authOptional: false }), /530/);
});
