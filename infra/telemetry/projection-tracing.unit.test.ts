import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../eventstore/port.ts';
import { TRACED_SEND_LIMIT, traceBatch, traceOutbound, traceTimer } from './projection-tracing.ts';
import { startTelemetry } from './sdk.ts';
import { formatTraceparent, shopTracer } from './trace-context.ts';

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });
const telemetry = startTelemetry({ env: {}, spanProcessors: [processor], instrumentations: [] });
afterAll(() => telemetry.shutdown());
beforeEach(() => exporter.reset());
const finished = async (name: string) => {
  await processor.forceFlush();
  return exporter.getFinishedSpans().filter((s) => s.name === name);
};

const cause = (n: number) => `00-${'a'.repeat(32)}-${n.toString(16).padStart(16, '0')}-01`;
const event = (n: number, traceparent = cause(n)): RecordedEvent => ({
  id: `e${n}`,
  type: 'StockReserved',
  streamName: 'stock-prd_1',
  revision: BigInt(n),
  position: { commit: 10n, prepare: BigInt(n) },
  data: {},
  metadata: { traceparent },
  recordedAt: new Date(0),
});

describe('projection and timer spans', () => {
  it('a batch span names its projection and positions, and links each distinct cause once', async () => {
    const events = [event(1), event(2), event(3, cause(2))];
    await traceBatch(shopTracer(), 'inventory', events, { commit: 9n, prepare: 0n }, async () => {});
    const [batch] = await finished('projection.batch inventory');
    expect(batch?.kind).toBe(SpanKind.CONSUMER);
    expect(batch?.parentSpanContext).toBeUndefined();
    expect(batch?.attributes).toMatchObject({
      'projection.name': 'inventory',
      'projection.batch_size': 3,
      'projection.from_position': '9.0',
      'projection.to_position': '10.3',
    });
    expect(batch?.links.map((l) => formatTraceparent(l.context))).toEqual([cause(1), cause(2)]);
  });

  it('a batch of 500 events carries at most 32 links', async () => {
    const events = Array.from({ length: 500 }, (_, i) => event(i + 1));
    await traceBatch(shopTracer(), 'catalog', events, undefined, async () => {});
    const [batch] = await finished('projection.batch catalog');
    expect(batch?.links).toHaveLength(32);
    expect(batch?.attributes['projection.from_position']).toBe('start');
  });

  it('a timer span links to the event that set the timer', async () => {
    await traceTimer(
      shopTracer(),
      {
        kind: 'reservation-expiry',
        id: 'rsv_1',
        dueAt: new Date('2026-01-01T00:00:00Z'),
        traceparent: cause(7),
      },
      async () => {},
    );
    const [timer] = await finished('timer reservation-expiry');
    expect(timer?.attributes).toMatchObject({
      'timer.id': 'rsv_1',
      'timer.due_at': '2026-01-01T00:00:00.000Z',
    });
    expect(timer?.links.map((l) => formatTraceparent(l.context))).toEqual([cause(7)]);
  });

  it('an outbound projection keeps its other fields and delivers inside its batch span', async () => {
    const delivered: string[] = [];
    const traced = traceOutbound({
      kind: 'outbound' as const,
      name: 'publisher',
      eventTypes: ['StockReserved'],
      deliver: async (events: readonly RecordedEvent[], _signal: AbortSignal) =>
        void delivered.push(...events.map((e) => e.id)),
    });
    expect(traced.kind).toBe('outbound');
    expect(traced.eventTypes).toEqual(['StockReserved']);
    await traced.deliver([event(1)], new AbortController().signal);
    expect(delivered).toEqual(['e1']);
    expect(await finished('projection.batch publisher')).toHaveLength(1);
  });

  it('with prepare/deliver, links the delivered batch to the events it was prepared from', async () => {
    const sent: string[][] = [];
    const traced = traceOutbound({
      name: 'kafka',
      prepare: (events: readonly RecordedEvent[]) => events.map((e) => `msg-${e.id}`),
      deliver: async (batch: string[], _signal: AbortSignal) => void sent.push(batch),
    });
    const batch = traced.prepare([event(4), event(5)]);
    await traced.deliver(batch, new AbortController().signal);
    expect(sent).toEqual([['msg-e4', 'msg-e5']]);
    const [span] = await finished('projection.batch kafka');
    expect(span?.links.map((l) => formatTraceparent(l.context))).toEqual([cause(4), cause(5)]);
    expect(span?.attributes['projection.batch_size']).toBe(2);
  });

  it('traces the sends of a live batch, and suppresses them for a backlog batch, which keeps its own headers', async () => {
    // What kafkajs's instrumentation does per message: start a producer span and inject it into the headers.
    const sends: { recording: boolean; header: string | undefined }[] = [];
    const traced = traceOutbound({
      name: 'kafka',
      deliver: async (events: readonly RecordedEvent[], _signal: AbortSignal) => {
        const span = shopTracer().startSpan('send');
        const headers: Record<string, string> = { traceparent: String(events[0]!.metadata.traceparent) };
        propagation.inject(trace.setSpan(context.active(), span), headers);
        sends.push({ recording: span.isRecording(), header: headers.traceparent });
        span.end();
      },
    });
    const live = Array.from({ length: TRACED_SEND_LIMIT }, (_, i) => event(i + 1));
    const backlog = Array.from({ length: TRACED_SEND_LIMIT + 1 }, (_, i) => event(i + 1));
    await traced.deliver(live, new AbortController().signal);
    await traced.deliver(backlog, new AbortController().signal);
    const [liveBatch, backlogBatch] = await finished('projection.batch kafka');
    // Live: the send is recorded below the batch span, and the header now names the send.
    expect(sends[0]!.recording).toBe(true);
    expect(sends[0]!.header).toContain(liveBatch!.spanContext().traceId);
    expect(liveBatch!.attributes['projection.sends_traced']).toBe(true);
    // Backlog: no send span, the header is still the command's; the batch span is there, with its links.
    expect(sends[1]).toEqual({ recording: false, header: cause(1) });
    expect(await finished('send')).toHaveLength(1);
    expect(backlogBatch!.attributes['projection.sends_traced']).toBe(false);
    expect(backlogBatch!.links).toHaveLength(32);
  });

  it('a failing batch is marked failed and the error reaches the runner', async () => {
    await expect(
      traceBatch(shopTracer(), 'cart', [event(1)], undefined, async () => {
        throw new Error('constraint violated');
      }),
    ).rejects.toThrow('constraint violated');
    const [batch] = await finished('projection.batch cart');
    expect(batch?.status.message).toBe('Error: constraint violated');
  });
});
