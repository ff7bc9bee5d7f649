import { createHash, createHmac, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../domain/shared/errors.ts';
import { createTokenService } from '../infra/auth/tokens.ts';
import { errorHandler } from '../infra/http/error-handler.ts';
import { jsonBody } from '../infra/http/json-body.ts';
import { requestContext } from '../infra/http/request-context.ts';
import { createRedis, deleteKeysWithPrefix } from '../infra/redis/client.ts';
import { assertErrorBody, startTestServer, type TestServer } from '../test/support/http.ts';
import { redisUrl, testKeyPrefix } from '../test/support/isolation.ts';
import { admission } from './admission.ts';
import { forgetAnswersAbout, type IdempotencyOptions, idempotencyKeys } from './idempotency.ts';

/**
 * Idempotency-Key through a route's admission, as every command route takes it (command-api/routing.ts):
 * the key claimed in the admission script's round trip, then replayed, refused or waited on.
 */
describe('Idempotency-Key', () => {
  let redis: Redis;
  let server: TestServer;
  let runs = 0;
  beforeAll(async () => {
    redis = createRedis({ url: redisUrl, keyPrefix: testKeyPrefix('idem_mw') });
    const clock = () => new Date();
    const secret = 'idempotency-test-secret-of-32-bytes!';
    const tokens = createTokenService({
      keys: { algorithm: 'HS256', signingKey: secret, verificationKey: secret },
      clock,
    });
    const fingerprintKey = randomBytes(32);
    const fingerprint = (text: string) => createHmac('sha256', fingerprintKey).update(text).digest('hex');
    const idempotency = (options: Omit<IdempotencyOptions, 'redis' | 'clock' | 'fingerprint'>) =>
      admission(
        { redis, tokens },
        {
          access: 'public',
          general: { name: 'rl:idem', perMinute: 0, key: () => '-' },
          validate: () => {},
          idempotency: idempotencyKeys({ redis, clock, fingerprint, ...options }),
        },
      );
    const app = express();
    app.use(requestContext({ logger: pino({ level: 'silent' }) }), ...jsonBody());
    app.post('/slow', idempotency({ waitMs: 150 }), async (req, res) => {
      runs++;
      await sleep(400);
      res.status(201).json({ run: runs, body: req.body });
    });
    const checkoutInProgress = { code: ErrorCode.CheckoutInProgress, message: 'checkout running' };
    app.post(
      '/slow-checkout',
      idempotency({ waitMs: 150, inProgress: checkoutInProgress }),
      async (_req, res) => {
        await sleep(400);
        res.status(201).json({ order_id: 'ord_1' });
      },
    );
    app.post('/register', idempotency({}), (req, res) => {
      runs++;
      res.status(201).json({ run: runs, email: req.body.email });
    });
    app.post('/about', idempotency({}), async (req, res) => {
      runs++;
      await sleep(Number(req.body.delayMs ?? 0));
      res.status(200).json({ run: runs, user_id: req.body.user_id, email: 'someone@example.com' });
    });
    app.post('/flaky', idempotency({}), (_req, res) => {
      runs++;
      res.status(runs % 2 === 1 ? 503 : 200).json({ run: runs });
    });
    app.use(errorHandler({ clock: () => new Date() }));
    server = await startTestServer(app);
  });
  afterAll(async () => {
    await server?.close();
    await deleteKeysWithPrefix(redis);
    redis.disconnect();
  });

  it('refuses a duplicate with 409 and Retry-After while the first is still running past the wait', async () => {
    runs = 0;
    const send = () =>
      server.request('POST', '/slow', { body: { a: 1 }, headers: { 'idempotency-key': 'slow-1' } });
    const first = send();
    await sleep(50);
    const second = await send();
    assertErrorBody(second, 409, 'RES_3003');
    expect(second.headers.get('retry-after')).toBe('1');
    expect((await first).status).toBe(201);
    const third = await send();
    expect(third.body).toEqual({ run: 1, body: { a: 1 } });
    expect(runs).toBe(1);
  });

  it("answers a route's own in-progress code (checkout: BIZ_4010) to a duplicate of a running request", async () => {
    const send = () =>
      server.request('POST', '/slow-checkout', { body: {}, headers: { 'idempotency-key': 'co-1' } });
    const first = send();
    await sleep(50);
    assertErrorBody(await send(), 409, 'BIZ_4010');
    expect((await first).status).toBe(201);
    expect((await send()).body).toEqual({ order_id: 'ord_1' });
  });

  it('keeps no 5xx response: a retry with the same key runs again', async () => {
    runs = 0;
    const send = () =>
      server.request('POST', '/flaky', { body: {}, headers: { 'idempotency-key': 'flaky-1' } });
    expect((await send()).status).toBe(503);
    await sleep(20);
    const retry = await send();
    expect(retry.status).toBe(200);
    expect((await send()).body).toEqual({ run: 2 });
    expect(runs).toBe(2);
  });

  it('keeps a keyed fingerprint of the body, never a plain hash a password could be guessed from', async () => {
    runs = 0;
    const body = { email: 'kim@example.com', password: 'Correct#Horse1' };
    const send = (password = body.password) =>
      server.request('POST', '/register', {
        body: { ...body, password },
        headers: { 'idempotency-key': 'register-1' },
      });
    expect((await send()).body).toEqual({ run: 1, email: body.email });
    const [key] = await redis.keys(`${redis.options.keyPrefix}idem:*`);
    const record = JSON.parse((await redis.get(key!.slice(redis.options.keyPrefix!.length)))!);
    const plain = (password: string) =>
      createHash('sha256')
        .update(`POST /register\n{"email":"kim@example.com","password":${JSON.stringify(password)}}`)
        .digest('hex');
    expect(record.fingerprint).toMatch(/^k1:[0-9a-f]{64}$/);
    expect(record.fingerprint).not.toContain(plain(body.password));
    expect((await send()).body).toEqual({ run: 1, email: body.email }); // replayed
    assertErrorBody(await send('Another#Pass2'), 422, 'VAL_2004');
    // If-Match is part of the request: the same body under another precondition is not a replay.
    const withPrecondition = await server.request('POST', '/register', {
      body,
      headers: { 'idempotency-key': 'register-1', 'if-match': '"3"' },
    });
    assertErrorBody(withPrecondition, 422, 'VAL_2004');

    // A record written before the keyed fingerprint (a plain SHA-256) still replays for its day.
    await redis.set(
      key!.slice(redis.options.keyPrefix!.length),
      JSON.stringify({ ...record, fingerprint: plain(body.password) }),
    );
    expect((await send()).body).toEqual({ run: 1, email: body.email });
    assertErrorBody(await send('Another#Pass2'), 422, 'VAL_2004');
    expect(runs).toBe(1);
  });

  it('an erasure drops the answers about the person, and one still being sent when it runs is not kept', async () => {
    runs = 0;
    const send = (key: string, user_id: string, delayMs = 0) =>
      server.request('POST', '/about', { body: { user_id, delayMs }, headers: { 'idempotency-key': key } });
    await send('about-1', 'usr_erased');
    expect((await send('about-1', 'usr_erased')).headers.get('idempotent-replayed')).toBe('true');
    await send('about-2', 'usr_kept');
    const late = send('about-3', 'usr_erased', 300); // running while the erasure runs
    await sleep(100);
    await forgetAnswersAbout(redis, 'usr_erased');
    expect((await late).status).toBe(200);
    // The same requests again (same bodies): run again, not replayed.
    for (const retry of [send('about-1', 'usr_erased'), send('about-3', 'usr_erased', 300)]) {
      const answered = await retry;
      expect(answered.status).toBe(200);
      expect(answered.headers.get('idempotent-replayed')).toBeNull();
    }
    expect((await send('about-2', 'usr_kept')).headers.get('idempotent-replayed')).toBe('true');
  });
});
