import { connect } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { listen } from './server.ts';

/**
 * Issue 12: SIGTERM must finish requests already received on open connections, never reset them. The
 * app's handler waits for a signal, so "in flight while close() starts" holds without any timing.
 */
async function slowServer() {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let received = 0;
  const arrived: (() => void)[] = [];
  const app = express();
  app.get('/wait/:n', async (req, res) => {
    received += 1;
    for (const notify of arrived.splice(0)) notify();
    await released;
    res.json({ n: req.params.n });
  });
  const running = await listen(app, {
    port: 0,
    logger: pino({ level: 'silent' }),
    shutdownTimeoutMs: 20_000,
  });
  const receivedAtLeast = async (n: number) => {
    while (received < n) await new Promise<void>((resolve) => arrived.push(resolve));
  };
  return { running, release, receivedAtLeast };
}

/** One raw TCP connection: everything the server sends until it closes the connection. */
function rawClient(port: number, payload: string) {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  const errors: string[] = [];
  socket.on('data', (chunk) => {
    text += chunk;
  });
  socket.on('error', (error) => errors.push(error.message));
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(payload);
  return { ended, errors, text: () => text };
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`;

describe('graceful close of open connections', () => {
  it('answers every request already queued on a keep-alive connection, then closes it cleanly', async () => {
    const { running, release, receivedAtLeast } = await slowServer();
    const client = rawClient(running.port, get('/wait/1') + get('/wait/2') + get('/wait/3'));
    await receivedAtLeast(1);
    const closing = running.close();
    release();
    await client.ended;
    await closing;
    expect(client.errors).toEqual([]); // no ECONNRESET
    expect(client.text().match(/HTTP\/1\.1 200/g)).toHaveLength(3);
    for (const n of ['1', '2', '3']) expect(client.text()).toContain(`{"n":"${n}"}`);
    // The last answer tells the client not to reuse the connection.
    expect(client.text().trimEnd().split('HTTP/1.1 200').at(-1)).toMatch(/Connection: close/i);
  });

  it('answers requests in flight on several connections and tells each client to reconnect', async () => {
    const { running, release, receivedAtLeast } = await slowServer();
    const clients = [1, 2, 3, 4].map((n) => rawClient(running.port, get(`/wait/${n}`)));
    await receivedAtLeast(4);
    const closing = running.close();
    release();
    await Promise.all(clients.map((c) => c.ended));
    await closing;
    for (const client of clients) {
      expect(client.errors).toEqual([]);
      expect(client.text()).toMatch(/^HTTP\/1\.1 200/);
      expect(client.text()).toMatch(/Connection: close/i);
    }
  });
});
