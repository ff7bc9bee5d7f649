import express from 'express';
import { expect, it } from 'vitest';
import { startTestServer } from '../../test/support/http.ts';
import { captureLogs } from '../../test/support/log-capture.ts';
import { errorHandler, notFoundHandler } from './error-handler.ts';
import { idOr404 } from './path-ids.ts';
import { requestContext } from './request-context.ts';

// A path is whatever a client typed: an email address where an id belongs, a token. The 404 and the log
// lines (the request line, the refusal at debug) never repeat it: the request line names the route.
it('answers and logs a path without repeating it', async () => {
  const { logger, lines } = captureLogs();
  const app = express();
  app.use(requestContext({ logger }));
  app.get(
    '/api/v1/known/:id',
    (req, res) => void res.json({ id: idOr404('product', req.params.id, 'Product') }),
  );
  app.use(notFoundHandler);
  app.use(errorHandler({ clock: () => new Date() }));
  const server = await startTestServer(app);
  try {
    const email = 'dora.path@example.com';
    const unknown = await server.request('GET', `/api/v1/users/${email}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('RES_3001');
    expect(JSON.stringify(unknown.body)).not.toContain(email);
    const known = await server.request('GET', '/api/v1/known/prd_1');
    expect(known.status).toBe(200);
    // A route matches any text where its id belongs: the id check answers 404 without repeating it.
    const misplaced = await server.request('GET', `/api/v1/known/${email}`);
    expect(misplaced.status).toBe(404);
    expect(JSON.stringify(misplaced.body)).not.toContain(email);
    const requests = lines.filter((line) => line.includes('"msg":"request"'));
    expect(requests.map((line) => JSON.parse(line).route)).toEqual([
      'unmatched',
      '/api/v1/known/:id',
      '/api/v1/known/:id',
    ]);
    expect(lines.join('\n')).not.toContain('dora.path');
    const refused = lines.filter((line) => line.includes('"msg":"request refused"'));
    expect(refused).toHaveLength(2);
    expect(refused[0]!.match(/"msg":/g)).toHaveLength(1); // the reason under its own key, not a second msg
  } finally {
    await server.close();
  }
});
