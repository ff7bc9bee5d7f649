// Raw HTTP, not the generated client (test/api-client/, docs/api.md), on purpose: it sends arbitrary,
// mostly invalid bodies and query strings that the generated types would forbid.
import { connect } from 'node:net';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandApi } from '../command-api/app.ts';
import { type CommandApiForTest, signUp, startCommandApiForTest } from '../command-api/test-support.ts';
import { servedOperations } from '../infra/openapi/express-routes.ts';
import { createProjectionService, type ProjectionService } from '../projections/service.ts';
import {
  appendEvent,
  createReadSideForTest,
  productListedData,
  type ReadSideForTest,
} from '../projections/test-support.ts';
import { startQueryApiForTest } from '../query-api/test-support.ts';
import { body, fill, pathParam, queryString } from './support/fuzz-arbitraries.ts';
import { assertErrorBody, request } from './support/http.ts';

/**
 * Issue 12, property-based: arbitrary strings (NUL, lone surrogates, escapes), numbers (huge, tiny,
 * many decimals) and nesting (up to 12,000 deep) in every POST/PUT/PATCH/DELETE body and query string of
 * the command API and every GET query string of the query API. Never a 5xx; a 4xx never appends an event.
 * Runs are bounded so the file stays well under a minute on a loaded machine.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

let command: CommandApiForTest;
let side: ReadSideForTest;
let service: ProjectionService;
let query: Awaited<ReturnType<typeof startQueryApiForTest>>;
let commandOps: string[];
let queryOps: string[];
const tokens: (string | undefined)[] = [undefined];

beforeAll(async () => {
  command = await startCommandApiForTest('fuzz-command');
  const app = createCommandApi({
    store: command.store,
    redis: command.redis,
    config: command.config,
    logger: pino({ level: 'silent' }),
    context: command.context,
  });
  commandOps = servedOperations(app, '/api/v1').filter((op) => !op.startsWith('GET '));
  tokens.push((await command.admin()).accessToken, (await signUp(command.http)).accessToken);

  side = await createReadSideForTest('fuzz-query');
  service = createProjectionService(side.deps, { leaseRetryMs: 50, heartbeatMs: 200 });
  service.start();
  const head = await appendEvent(side.store, 'product-prd_f', 'ProductListed', productListedData('prd_f'));
  expect(await service.waitFor(head!, 30_000)).toBe(true);
  query = await startQueryApiForTest(side, { consistencyWaitMs: 200 });
  queryOps = servedOperations(query.api.app, '/api/v1').filter((op) => op.startsWith('GET '));
  tokens.push(query.token('admin'));
});

afterAll(async () => {
  await query?.close();
  await service?.stop();
  await side?.close();
  await command?.close();
});

describe('arbitrary input to every route', () => {
  it('the command API never answers 5xx and never appends on a 4xx', async () => {
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...commandOps),
        pathParam,
        queryString,
        body,
        fc.constantFrom(...tokens.slice(0, 3)),
        async (op, param, qs, raw, token) => {
          const before = await command.head();
          const response = await request(
            `${command.http.url}${fill(op, param)}${qs ? `?${qs}` : ''}`,
            op.split(' ')[0]!,
            {
              rawBody: raw,
              headers: { 'content-type': 'application/json' },
              ...(token ? { token } : {}),
            },
          );
          const appended = (await command.head()) !== before;
          if (response.status >= 500 || (response.status >= 400 && appended))
            failures.push(
              `${op} ${param} ?${qs} → ${response.status} appended=${appended} ${response.text.slice(0, 200)}`,
            );
          return failures.length === 0;
        },
      ),
      { numRuns: RUNS },
    );
    expect(failures).toEqual([]);
  });

  it('the query API never answers 5xx to any query string or path parameter', async () => {
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...queryOps),
        pathParam,
        queryString,
        fc.constantFrom(...tokens.slice(0, 1), tokens[3]),
        async (op, param, qs, token) => {
          const response = await request(
            `${query.http.url}${fill(op, param)}${qs ? `?${qs}` : ''}`,
            'GET',
            token ? { token } : {},
          );
          if (response.status >= 500)
            failures.push(`${op} ${param} ?${qs} → ${response.status} ${response.text.slice(0, 200)}`);
          return failures.length === 0;
        },
      ),
      { numRuns: RUNS },
    );
    expect(failures).toEqual([]);
  });
});

describe("issue 12's cases, one by one", () => {
  const post = (path: string, rawBody: string | Uint8Array, headers: Record<string, string> = {}) =>
    command.http.request('POST', `/api/v1${path}`, {
      rawBody,
      headers: { 'content-type': 'application/json', ...headers },
    });

  it('a lone surrogate or NUL in registration is 400 VAL_2001 and leaves no EmailClaimed', async () => {
    for (const name of ['\ud800', 'a\u0000b', '\udfffx']) {
      const before = await command.head();
      const email = `s-${Math.random().toString(36).slice(2)}@example.com`;
      const body = JSON.stringify({ email, password: 'Secret#123', first_name: name, last_name: 'L' });
      assertErrorBody(await post('/users/register', body), 400, 'VAL_2001');
      expect(await command.head()).toBe(before);
    }
  });

  it('12,000-deep arrays are 400 VAL_2003, on /users/login too', async () => {
    const deep = `${'['.repeat(12_000)}${']'.repeat(12_000)}`;
    assertErrorBody(await post('/users/login', `{"email":${deep},"password":"x"}`), 400, 'VAL_2003');
    assertErrorBody(await post('/users/login', deep), 400, 'VAL_2003');
  });

  it('a corrupt gzip body and an unknown Content-Encoding are 4xx in our error body', async () => {
    const corrupt = await post('/users/login', new Uint8Array([0x1f, 0x8b, 1, 2, 3]), {
      'content-encoding': 'gzip',
    });
    assertErrorBody(corrupt, 400, 'VAL_2003');
    assertErrorBody(await post('/users/login', '{}', { 'content-encoding': 'br2' }), 415, 'VAL_2003');
  });

  it('malformed %-escapes in path parameters are 400, NUL in a query string is 400 VAL_2001', async () => {
    const product = await command.http.request('PUT', '/api/v1/products/%E0%A4%A', {
      token: tokens[1]!,
      body: {},
    });
    assertErrorBody(product, 400, 'VAL_2003');
    assertErrorBody(await query.http.request('GET', '/api/v1/products/%E0%A4%A'), 400, 'VAL_2003');
    assertErrorBody(await query.http.request('GET', '/api/v1/products/search?q=%00'), 400, 'VAL_2001');
    assertErrorBody(await query.http.request('GET', '/api/v1/products/a%00b'), 400, 'VAL_2001');
  });

  it('a raw NUL or non-ASCII byte in the request target is refused before any route (only %-escapes carry them)', async () => {
    // The input guard checks only targets with a %-escape: this is why it may.
    const send = (target: Buffer) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(query.http.port, '127.0.0.1', () =>
          socket.end(
            Buffer.concat([Buffer.from('GET '), target, Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]),
          ),
        );
        let reply = '';
        socket.on('data', (chunk) => (reply += chunk));
        socket.on('close', () => resolve(reply.split('\r\n')[0]!));
        socket.on('error', reject);
      });
    expect(await send(Buffer.from('/api/v1/products/a\u0000b', 'latin1'))).toBe('HTTP/1.1 400 Bad Request');
    const loneSurrogateInUtf8 = Buffer.from([0xed, 0xa0, 0x80]);
    expect(await send(Buffer.concat([Buffer.from('/api/v1/products/search?q='), loneSurrogateInUtf8]))).toBe(
      'HTTP/1.1 400 Bad Request',
    );
    expect(await send(Buffer.from('/api/v1/products/search?q=caf\xe9', 'latin1'))).toBe(
      'HTTP/1.1 400 Bad Request',
    );
  });
});
