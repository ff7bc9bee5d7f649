import type httpTypes from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { Redis as RedisClass } from 'ioredis';
import type pgTypes from 'pg';
import { afterAll, beforeEach, expect, it } from 'vitest';
import { adminUrl, redisUrl, testKeyPrefix } from '../../test/support/isolation.ts';
import { instrumentations, startTelemetry } from './sdk.ts';
import { inSpan } from './trace-context.ts';

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });
const telemetry = startTelemetry({
  env: {},
  spanProcessors: [processor],
  instrumentations: instrumentations(), // as production lists them
});
// Vitest loads dependencies through ESM, which require-in-the-middle does not see: requiring them here
// applies the instrumentations' patches.
const requireCjs = createRequire(import.meta.url);
const pg = requireCjs('pg') as typeof pgTypes;
const http = requireCjs('node:http') as typeof httpTypes;
const { Redis } = requireCjs('ioredis') as { Redis: typeof RedisClass };
afterAll(() => telemetry.shutdown());
beforeEach(() => exporter.reset());

/** What a collector would receive of the finished spans. */
const exported = async () => {
  // A span is exported once the resource's detectors have answered, which may be after it ended.
  await processor.forceFlush();
  const spans = exporter.getFinishedSpans();
  return {
    spans,
    text: JSON.stringify(
      spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })),
    ),
  };
};

// Traces leave the process for a collector: no SQL or personal data goes with them.
it("keeps PostgreSQL's message out of a failed query's span and of the span around it", async () => {
  const email = 'ivan.traced@example.com';
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const failure = await inSpan(trace.getTracer('test'), 'work', {}, () =>
      client.query('SELECT $1::uuid', [email]),
    ).catch((error: unknown) => error);
    expect(String((failure as Error).message)).toContain(email); // what PostgreSQL said
  } finally {
    await client.end();
  }
  const { spans, text } = await exported();
  const query = spans.find(
    (s) => s.attributes['db.system.name'] === 'postgresql' || s.attributes['db.system'] === 'postgresql',
  );
  expect(query?.status).toEqual({ code: SpanStatusCode.ERROR });
  const work = spans.find((s) => s.name === 'work');
  expect(work?.status).toEqual({
    code: SpanStatusCode.ERROR,
    message: 'DatabaseError 22P02 (routine string_to_uuid)',
  });
  expect(text).not.toContain(email);
  expect(text).not.toContain('invalid input syntax');
});

it("keeps a query string's token out of the request's span", async () => {
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    await fetch(`http://127.0.0.1:${port}/api/v1/users/unsubscribe?token=unsub-secret-1234&x=1`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  const { spans, text } = await exported();
  const request = spans.find((s) => s.attributes['url.path'] === '/api/v1/users/unsubscribe');
  expect(request?.attributes['url.query']).toBe('token=REDACTED&x=1');
  expect(text).not.toContain('unsub-secret-1234');
});

it("says a Redis command's name, not its keys or arguments", async () => {
  const redis = new Redis(redisUrl, { keyPrefix: testKeyPrefix('span-privacy') });
  try {
    await inSpan(trace.getTracer('test'), 'work', {}, async () => {
      await redis.set('rl:auth:judy@example.com', 'judy-value', 'PX', 1_000);
      await redis.eval('return ARGV[1]', 1, 'k:judy@example.com', 'judy-argument');
    });
  } finally {
    redis.disconnect();
  }
  const { spans, text } = await exported();
  const statements = spans.map((s) => s.attributes['db.query.text'] ?? s.attributes['db.statement']);
  expect(statements.filter(Boolean)).toEqual(['set', 'eval']);
  expect(text).not.toContain('judy');
});
