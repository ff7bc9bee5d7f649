import { createRequire } from 'node:module';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type pgTypes from 'pg';
import { afterAll, expect, it } from 'vitest';
import { adminUrl } from '../../test/support/isolation.ts';
import { PgInstrumentationWithoutMessages } from './pg-instrumentation.ts';
import { instrumentations, startTelemetry } from './sdk.ts';
import { inSpan } from './trace-context.ts';

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });
const telemetry = startTelemetry({
  env: {},
  spanProcessors: [processor],
  // The pg instrumentation exactly as production lists it.
  instrumentations: instrumentations().filter((i) => i instanceof PgInstrumentationWithoutMessages),
});
// Vitest loads dependencies through ESM, which require-in-the-middle does not see: requiring pg here
// applies the instrumentation's patch.
const pg = createRequire(import.meta.url)('pg') as typeof pgTypes;
afterAll(() => telemetry.shutdown());

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
  // A span is exported once the resource's detectors have answered, which may be after it ended.
  await processor.forceFlush();
  const spans = exporter.getFinishedSpans();
  const query = spans.find(
    (s) => s.attributes['db.system.name'] === 'postgresql' || s.attributes['db.system'] === 'postgresql',
  );
  expect(query?.status).toEqual({ code: SpanStatusCode.ERROR });
  const work = spans.find((s) => s.name === 'work');
  expect(work?.status).toEqual({
    code: SpanStatusCode.ERROR,
    message: 'DatabaseError 22P02 (routine string_to_uuid)',
  });
  const exported = JSON.stringify(
    spans.map((s) => ({ attributes: s.attributes, events: s.events, status: s.status, name: s.name })),
  );
  expect(exported).not.toContain(email);
  expect(exported).not.toContain('invalid input syntax');
});
