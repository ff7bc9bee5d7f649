import express, { type RequestHandler, Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/http.ts';
import { inSequence } from './route-spec.ts';

const seen: string[] = [];
const note =
  (name: string): RequestHandler =>
  (_req, _res, next) => {
    seen.push(name);
    next();
  };
const router = Router();
router.get('/ok', inSequence([note('a'), note('b'), (_req, res) => void res.json({ seen })]));
router.get(
  '/rejects',
  inSequence([
    note('a'),
    async () => {
      throw new Error('rejected');
    },
    note('never'),
  ]),
);
router.get(
  '/throws',
  inSequence([
    () => {
      throw new Error('thrown');
    },
    note('never'),
  ]),
);
router.get('/passes', inSequence([(_req, _res, next) => next(new Error('passed')), note('never')]));

let http: TestServer;
beforeAll(async () => {
  const app = express().use(router);
  app.use(
    ((error, _req, res, _next) =>
      void res.status(500).json({ error: error.message })) as express.ErrorRequestHandler,
  );
  http = await startTestServer(app);
});
afterAll(() => http?.close());

describe('inSequence: a route chain as one handler', () => {
  it('is one router layer that runs each step in order, then answers', async () => {
    expect(router.stack).toHaveLength(4);
    expect((router.stack[0]!.route as unknown as { stack: unknown[] }).stack).toHaveLength(1);
    seen.length = 0;
    const response = await http.request('GET', '/ok');
    expect(response.body).toEqual({ seen: ['a', 'b'] });
  });

  it.each([
    ['/rejects', 'rejected'],
    ['/throws', 'thrown'],
    ['/passes', 'passed'],
  ])('GET %s: the error reaches the error handler and no later step runs', async (path, message) => {
    seen.length = 0;
    const response = await http.request('GET', path);
    expect(response.status).toBe(500);
    expect(response.body).toEqual({ error: message });
    expect(seen).not.toContain('never');
  });
});
