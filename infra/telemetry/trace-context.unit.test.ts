import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startTelemetry } from './sdk.ts';
import {
  consumeEvent,
  currentTraceparent,
  formatTraceparent,
  inSpan,
  linksFrom,
  parseTraceparent,
  shopTracer,
  withTraceparent,
} from './trace-context.ts';

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });
const telemetry = startTelemetry({
  env: {},
  spanProcessors: [processor],
  instrumentations: [],
});
afterAll(() => telemetry.shutdown());
beforeEach(() => exporter.reset());
// Export waits for the resource's detected attributes, so spans arrive after a flush.
const finished = async () => {
  await processor.forceFlush();
  return exporter.getFinishedSpans();
};

const tp = (trace: string, span: string, flags = '01') =>
  `00-${trace.repeat(32 / trace.length)}-${span.repeat(16 / span.length)}-${flags}`;

describe('traceparent', () => {
  it('round-trips through a span context', () => {
    const text = tp('ab', 'cd');
    const parsed = parseTraceparent(text);
    expect(parsed).toMatchObject({
      traceId: 'ab'.repeat(16),
      spanId: 'cd'.repeat(8),
      traceFlags: 1,
      isRemote: true,
    });
    expect(formatTraceparent(parsed!)).toBe(text);
  });

  it('refuses malformed, unknown-version and all-zero values', () => {
    for (const bad of [
      undefined,
      42,
      '',
      'garbage',
      tp('ab', 'cd').replace(/^00/, '01'),
      tp('0', 'cd'),
      tp('ab', '0'),
      `${tp('ab', 'cd')}-extra`,
    ]) {
      expect(parseTraceparent(bad), String(bad)).toBeUndefined();
    }
  });

  it('is the active span inside a span, and absent outside one', async () => {
    expect(currentTraceparent()).toBeUndefined();
    expect(withTraceparent({ correlation_id: 'c', traceparent: tp('ab', 'cd') })).toEqual({
      correlation_id: 'c',
      traceparent: tp('ab', 'cd'),
    });
    await inSpan(shopTracer(), 'outer', {}, (span) => {
      const expected = formatTraceparent(span.spanContext());
      expect(currentTraceparent()).toBe(expected);
      // The active span replaces the client's header: consumers link to the span that appended.
      expect(withTraceparent({ traceparent: tp('ab', 'cd') }).traceparent).toBe(expected);
    });
  });
});

describe('spans', () => {
  it('links to distinct causes, at most max of them, skipping what is not a traceparent', () => {
    const links = linksFrom(
      [tp('ab', 'c1'), tp('ab', 'c1'), 'nope', undefined, tp('ab', 'c2'), tp('ab', 'c3')],
      2,
    );
    expect(links.map((l) => l.context.spanId)).toEqual(['c1'.repeat(8), 'c2'.repeat(8)]);
  });

  it('marks a failed span and rethrows', async () => {
    await expect(
      inSpan(shopTracer(), 'failing', {}, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const span = (await finished()).find((s) => s.name === 'failing');
    // The error described by log-errors' rules (type: message), the exception event without a stack.
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Error: boom' });
    const exception = span?.events.find((e) => e.name === 'exception');
    expect(exception?.attributes).toEqual({ 'exception.type': 'Error', 'exception.message': 'Error: boom' });
  });

  it('a consumer span starts its own trace, linked to the event that caused it', async () => {
    const cause = tp('12', '34');
    await inSpan(shopTracer(), 'unrelated work', {}, () =>
      consumeEvent(
        shopTracer(),
        'handle',
        { type: 'StockReserved', streamName: 'stock-prd_1', metadata: { traceparent: cause } },
        () => 'done',
      ),
    );
    const spans = await finished();
    const handle = spans.find((s) => s.name === 'handle')!;
    const unrelated = spans.find((s) => s.name === 'unrelated work')!;
    expect(handle.kind).toBe(SpanKind.CONSUMER);
    expect(handle.parentSpanContext).toBeUndefined();
    expect(handle.spanContext().traceId).not.toBe(unrelated.spanContext().traceId);
    expect(handle.links.map((l) => formatTraceparent(l.context))).toEqual([cause]);
    expect(handle.attributes).toMatchObject({ 'event.type': 'StockReserved', 'event.stream': 'stock-prd_1' });
  });

  it("a consumer span inside a batch is the batch span's child, still linked", async () => {
    await inSpan(shopTracer(), 'batch', {}, () =>
      consumeEvent(
        shopTracer(),
        'apply',
        { type: 'X', streamName: 's-1', metadata: { traceparent: tp('12', '34') } },
        () => 1,
        {
          root: false,
        },
      ),
    );
    const spans = await finished();
    const apply = spans.find((s) => s.name === 'apply')!;
    const batch = spans.find((s) => s.name === 'batch')!;
    expect(apply.parentSpanContext?.spanId).toBe(batch.spanContext().spanId);
    expect(apply.links).toHaveLength(1);
  });
});
