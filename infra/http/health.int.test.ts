import { createConnection } from 'node:net';
import express from 'express';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer } from '../../test/support/http.ts';
import { adminUrl } from '../../test/support/isolation.ts';
import { captureLogs } from '../../test/support/log-capture.ts';
import { type DependencyCheck, healthRoutes, NotReady } from './health.ts';

const client = new pg.Client({ connectionString: adminUrl });
beforeAll(() => client.connect());
afterAll(() => client.end());

async function serveReady(checks: DependencyCheck[], timeoutMs?: number) {
  const { logger, lines } = captureLogs();
  const app = express();
  app.use(healthRoutes({ service: 'test', checks, logger, ...(timeoutMs ? { timeoutMs } : {}) }));
  const server = await startTestServer(app);
  return { server, lines, ready: async () => (await server.request('GET', '/ready')).body };
}

/** A connection refused by a port nothing listens on: Node's message names the address. */
const refusedConnection = () =>
  new Promise<void>((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port: 1 });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });

// /ready answers anyone: a dependency's failure says its kind, never a message (no SQL, no value it
// held, no internal address); the log has the rest.
it('names a failed dependency check by its kind, not by the text PostgreSQL quoted', async () => {
  const email = 'heidi.ready@example.com';
  const { server, ready } = await serveReady([
    { name: 'postgres', check: async () => void (await client.query('SELECT $1::uuid', [email])) },
    { name: 'redis', check: async () => {} },
  ]);
  try {
    const response = await server.request('GET', '/ready');
    expect(response.status).toBe(503);
    expect(response.body.dependencies).toMatchObject({
      postgres: { status: 'down', error: 'DatabaseError 22P02' },
      redis: { status: 'up' },
    });
    expect(JSON.stringify(await ready())).not.toContain(email);
  } finally {
    await server.close();
  }
});

it('answers without the address a refused connection names, and logs it once until the dependency is back', async () => {
  let reachable = false;
  const { server, lines, ready } = await serveReady([
    { name: 'redis', check: () => (reachable ? Promise.resolve() : refusedConnection()) },
  ]);
  try {
    const first = await ready();
    expect(first.dependencies.redis).toMatchObject({
      status: 'down',
      error: expect.stringMatching(/ECONNREFUSED/),
    });
    expect(JSON.stringify(first)).not.toContain('127.0.0.1');
    await ready();
    const failed = lines.filter((line) => line.includes('dependency check failed'));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toContain('127.0.0.1:1');

    reachable = true;
    expect((await ready()).status).toBe('ready');
    await ready();
    expect(lines.filter((line) => line.includes('dependency reachable again'))).toHaveLength(1);
  } finally {
    await server.close();
  }
});

it('gives a check that never answers up at its deadline', async () => {
  const { server, ready } = await serveReady(
    [{ name: 'event_store', check: () => new Promise<void>(() => {}) }],
    50,
  );
  try {
    expect((await ready()).dependencies.event_store).toMatchObject({
      status: 'down',
      error: 'Error (TimeoutError)',
    });
  } finally {
    await server.close();
  }
});

it('lets a probe that ends late not undo what a later probe found, and logs why it answered 503', async () => {
  let calls = 0;
  const { server, lines } = await serveReady(
    [{ name: 'redis', check: () => (++calls === 1 ? new Promise<void>(() => {}) : Promise.resolve()) }],
    200,
  );
  try {
    const slow = server.request('GET', '/ready'); // its check never answers: down at its deadline
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await server.request('GET', '/ready')).status).toBe(200);
    expect((await slow).status).toBe(503);
    expect((await server.request('GET', '/ready')).status).toBe(200);
    expect(lines.filter((line) => /dependency (check failed|reachable again)/.test(line))).toEqual([]);
    // The late 503 is still explained in the log, once.
    expect(lines.filter((line) => line.includes('late probe failed'))).toHaveLength(1);
  } finally {
    await server.close();
  }
});

it("shows a component's own status when it says it is not ready", async () => {
  const status = { broker: 'unavailable', failures: 3, lastError: 'AggregateError ECONNREFUSED' };
  const { server, ready } = await serveReady([
    { name: 'kafka_publisher', check: () => Promise.reject(new NotReady(status)) },
  ]);
  try {
    expect((await ready()).dependencies.kafka_publisher).toMatchObject({
      status: 'down',
      error: 'NotReady',
      detail: status,
    });
  } finally {
    await server.close();
  }
});
