import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { traceLogMixin } from './log-context.ts';
import { startTelemetry } from './sdk.ts';
import { formatTraceparent, inSpan, shopTracer } from './trace-context.ts';

const telemetry = startTelemetry({ env: {}, instrumentations: [] });
afterAll(() => telemetry.shutdown());

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ mixin: traceLogMixin }, sink), lines };
}

describe('traceLogMixin', () => {
  it("puts the active span's trace_id and span_id on every line written inside it", async () => {
    const { logger, lines } = capture();
    let traceparent = '';
    await inSpan(shopTracer(), 'work', {}, (span) => {
      traceparent = formatTraceparent(span.spanContext());
      logger.child({ request_id: 'req_1' }).info('inside');
    });
    const [, traceId, spanId] = traceparent.split('-');
    expect(lines[0]).toMatchObject({
      msg: 'inside',
      request_id: 'req_1',
      trace_id: traceId,
      span_id: spanId,
    });
  });

  it('adds nothing outside a span', () => {
    const { logger, lines } = capture();
    logger.info('outside');
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[0]).not.toHaveProperty('span_id');
  });
});
