// Raw HTTP, not the generated client (test/api-client/, docs/api.md), on purpose: its point is malformed
// JSON, wrong content types, huge bodies and test-only routes outside the OpenAPI document.
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createPostgresEventStore } from '../infra/eventstore/postgres/store.ts';
import { listen } from '../infra/http/server.ts';
import { createLogger } from '../infra/logger.ts';
import { createRedis } from '../infra/redis/client.ts';
import { assertErrorBody, request, startTestServer, type TestResponse } from '../test/support/http.ts';
import { createCommandApi, defaultRouteModules } from './app.ts';
import { commandMetadata } from './request-metadata.ts';
import { type RouteModule, route } from './routing.ts';
import { type CommandApiForTest, startCommandApiForTest } from './test-support.ts';

// What the server did, in order (the graceful-shutdown test reads it; a client's view of the same
// moments can arrive late, after the server already moved on).
const serverEvents: string[] = [];

// A module of test routes, mounted the way any bounded context mounts its own.
const probes: RouteModule = () => [
  route({
    method: 'post',
    path: '/probe/echo',
    access: 'public',
    body: z.object({ text: z.string() }),
    response: { status: 200, schema: z.object({ text: z.string(), metadata: z.looseObject({}) }) },
    handle: async ({ body, req }) => ({
      status: 200,
      body: { text: body.text, metadata: commandMetadata(req) },
    }),
  }),
  route({
    method: 'get',
    path: '/probe/boom',
    access: 'public',
    response: { status: 200 },
    handle: async () => {
      throw new Error('boom in /secret/module.ts:12:3 SELECT password_hash FROM users');
    },
  }),
  route({
    method: 'get',
    path: '/probe/slow',
    access: 'public',
    query: z.object({ ms: z.coerce.number().int().min(0).max(5000) }),
    response: { status: 200, schema: z.object({ slept: z.number() }) },
    handle: async ({ query }) => {
      await sleep(query.ms);
      serverEvents.push('in-flight handled');
      return { status: 200, body: { slept: query.ms } };
    },
  }),
];

let api: CommandApiForTest;
const lines: Record<string, unknown>[] = [];
beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  api = await startCommandApiForTest(
    'http_edge',
    { CORS_ORIGINS: 'https://shop.example.com' },
    // The production logger (redaction, the err serializer), writing here.
    { routes: [...defaultRouteModules, probes], logger: createLogger({ level: 'debug', destination: sink }) },
  );
});
afterAll(async () => {
  await api?.close();
});

const register = (options: Parameters<CommandApiForTest['http']['request']>[2]) =>
  api.http.request('POST', '/api/v1/users/register', options);

async function refused(status: number, code: string, send: () => Promise<TestResponse>) {
  const before = await api.head();
  const response = await send();
  assertErrorBody(response, status, code);
  expect(await api.head()).toBe(before);
  return response;
}

describe('JSON only, body limit, malformed JSON', () => {
  it('answers malformed JSON with 400 VAL_2003', async () => {
    await refused(400, 'VAL_2003', () =>
      register({ rawBody: '{"email": "a@b.c",', headers: { 'content-type': 'application/json' } }),
    );
    await refused(400, 'VAL_2003', () =>
      register({ rawBody: '"just a string"', headers: { 'content-type': 'application/json' } }),
    );
  });

  it('answers a body that is not JSON with 415 VAL_2003', async () => {
    await refused(415, 'VAL_2003', () =>
      register({ rawBody: 'email=a@b.c', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    );
    await refused(415, 'VAL_2003', () =>
      register({ rawBody: '{"email":"a@b.c"}', headers: { 'content-type': 'text/plain' } }),
    );
    await refused(415, 'VAL_2003', () => register({ rawBody: '{"email":"a@b.c"}' }));
  });

  it('answers a 1 MB body with 413 VAL_2003, and reads one just under 100 kB', async () => {
    const huge = JSON.stringify({ email: 'a@b.c', first_name: 'x'.repeat(1024 * 1024) });
    await refused(413, 'VAL_2003', () =>
      register({ rawBody: huge, headers: { 'content-type': 'application/json' } }),
    );
    const justOver = JSON.stringify({ first_name: 'x'.repeat(101 * 1024) });
    await refused(413, 'VAL_2003', () =>
      register({ rawBody: justOver, headers: { 'content-type': 'application/json' } }),
    );
    const under = JSON.stringify({
      email: 'a@b.c',
      password: 'Secret#123',
      first_name: 'x'.repeat(99 * 1000),
      last_name: 'y',
    });
    const parsed = await refused(400, 'VAL_2001', () =>
      register({ rawBody: under, headers: { 'content-type': 'application/json' } }),
    );
    expect(parsed.body.error.details).toContainEqual(expect.objectContaining({ field: 'first_name' }));
  });

  it('answers a NUL character anywhere in the body with 400 VAL_2001 naming the field (jsonb cannot hold it)', async () => {
    const body = { email: 'nul@example.com', password: 'Secret#123', first_name: 'Ann', last_name: 'Lee' };
    const inValue = await refused(400, 'VAL_2001', () =>
      register({ body: { ...body, last_name: 'L\u0000ee' } }),
    );
    expect(inValue.body.error.details).toEqual([expect.objectContaining({ field: 'last_name' })]);
    const nested = await refused(400, 'VAL_2001', () =>
      register({ body: { ...body, extra: { 'k\u0000': 1 } } }),
    );
    expect(nested.body.error.details).toEqual([expect.objectContaining({ field: 'extra.k\u0000' })]);
  });

  it('answers a JSON array where an object belongs with VAL_2001', async () => {
    await refused(400, 'VAL_2001', () => register({ body: [1, 2] }));
  });
});

describe('errors, 404, request ids, logs', () => {
  it('answers an unknown path or method with 404 RES_3001', async () => {
    assertErrorBody(await api.http.request('GET', '/api/v1/nothing-here'), 404, 'RES_3001');
    assertErrorBody(await api.http.request('PATCH', '/api/v1/users/register'), 404, 'RES_3001');
    assertErrorBody(await api.http.request('GET', '/'), 404, 'RES_3001');
  });

  it('answers an unexpected error with 500 SYS_5001 and no detail of it', async () => {
    const response = await api.http.request('GET', '/api/v1/probe/boom');
    assertErrorBody(response, 500, 'SYS_5001');
    expect(response.text).not.toContain('boom');
    expect(response.text).not.toContain('password_hash');
    // The log line says what failed and where, without the stack.
    const logged = lines.find((line) => line.msg === 'unhandled error')?.err as Record<string, unknown>;
    expect(logged).toMatchObject({ type: 'Error', at: expect.stringContaining('http-edge.e2e.test.ts') });
    expect(logged).not.toHaveProperty('stack');
  });

  it('accepts a sane X-Request-Id, replaces anything else, and puts it into metadata and every log line', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const echoed = await api.http.request('POST', '/api/v1/probe/echo', {
      body: { text: 'hi' },
      headers: { 'x-request-id': 'abc-123_DEF.4:5', traceparent },
    });
    expect(echoed.headers.get('x-request-id')).toBe('abc-123_DEF.4:5');
    expect(echoed.body.metadata).toEqual({
      correlation_id: 'abc-123_DEF.4:5',
      request_id: 'abc-123_DEF.4:5',
      traceparent,
    });
    for (const bad of ['has spaces in it', 'x'.repeat(129), 'semi;colon', '"quoted"']) {
      const response = await api.http.request('POST', '/api/v1/probe/echo', {
        body: { text: 'x' },
        headers: { 'x-request-id': bad },
      });
      expect(response.headers.get('x-request-id')).toMatch(/^req_[A-Za-z0-9_-]+$/);
    }
    const generated = await api.http.request('POST', '/api/v1/probe/echo', {
      body: { text: 'x' },
      headers: { traceparent: 'not-a-traceparent' },
    });
    expect(generated.headers.get('x-request-id')).toMatch(/^req_/);
    expect(generated.body.metadata.traceparent).toBeUndefined();
    const logged = lines.filter((line) => line.request_id === 'abc-123_DEF.4:5');
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.some((line) => line.msg === 'request' && line.status === 200)).toBe(true);
  });

  it('never writes a password or token into the logs', async () => {
    const password = 'Very#Secret9';
    const email = `logs-${Date.now()}@example.com`;
    await register({ body: { email, password, first_name: 'L', last_name: 'O' } });
    const login = await api.http.request('POST', '/api/v1/users/login', { body: { email, password } });
    await api.http.request('POST', '/api/v1/users/login', { body: { email, password: 'Wrong#Secret9' } });
    const text = JSON.stringify(lines);
    expect(text).not.toContain(password);
    expect(text).not.toContain('Wrong#Secret9');
    expect(text).not.toContain(login.body.access_token);
    expect(text).not.toContain('argon2');
  });

  it('sets helmet headers and no X-Powered-By', async () => {
    const response = await api.http.request('GET', '/health');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });
});

describe('CORS', () => {
  it('allows the configured origin only', async () => {
    const allowed = await api.http.request('GET', '/health', {
      headers: { origin: 'https://shop.example.com' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    const other = await api.http.request('GET', '/health', {
      headers: { origin: 'https://evil.example.com' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await api.http.request('OPTIONS', '/api/v1/users/register', {
      headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Idempotency-Key');
  });
});

describe('health, readiness, metrics', () => {
  it('reports alive, ready with each dependency, and metrics as text', async () => {
    expect((await api.http.request('GET', '/health')).body).toMatchObject({ status: 'ok' });
    const ready = await api.http.request('GET', '/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.dependencies).toMatchObject({ event_store: { status: 'up' }, redis: { status: 'up' } });
    const metrics = await api.http.request('GET', '/metrics');
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(metrics.text).toContain('process_cpu_seconds_total');
    expect(metrics.text).toMatch(/http_requests_total\{[^}]*route="\/ready"[^}]*\} 1/);
  });

  it('answers 503 naming the dependency that is down', async () => {
    const deadRedis = createRedis({ url: 'redis://127.0.0.1:1' });
    const closedStore = await createPostgresEventStore({
      connectionString: api.db.url,
      migrate: false,
      poolSize: 1,
    });
    await closedStore.close();
    const server = await startTestServer(
      createCommandApi({
        store: closedStore,
        redis: deadRedis,
        config: api.config,
        logger: pino({ level: 'silent' }),
      }),
    );
    try {
      const ready = await server.request('GET', '/ready');
      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).toBe('5');
      expect(ready.body.dependencies).toMatchObject({
        event_store: { status: 'down' },
        redis: { status: 'down' },
      });
      expect((await server.request('GET', '/health')).status).toBe(200);
    } finally {
      await server.close();
      deadRedis.disconnect();
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes the request in flight, refuses new connections, then closes its dependencies', async () => {
    const events = serverEvents;
    events.length = 0;
    const app = createCommandApi({
      store: api.store,
      redis: api.redis,
      config: api.config,
      logger: pino({ level: 'silent' }),
      routes: [probes],
    });
    const server = await listen(app, {
      port: 0,
      logger: pino({ level: 'silent' }),
      onClose: async () => {
        events.push('dependencies closed');
      },
    });
    const inFlight = request(`${server.url}/api/v1/probe/slow?ms=400`, 'GET');
    await sleep(100);
    const closing = server.close().then(() => events.push('closed'));
    await sleep(50);
    await expect(request(`${server.url}/health`, 'GET')).rejects.toThrow();
    const answered = await inFlight;
    expect(answered.status).toBe(200);
    expect(answered.body).toEqual({ slept: 400 });
    await closing;
    expect(events).toEqual(['in-flight handled', 'dependencies closed', 'closed']);
  });
});
