import { context, SpanKind, type Tracer, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { RecordedEvent } from '../eventstore/port.ts';
import { type Position, positionToString } from '../eventstore/position.ts';
import { consumeEvent, inSpan, linksFrom, shopTracer } from './trace-context.ts';

/** Anything with `name` and `apply(event, …)`: both PostgreSQL and Redis projections. */
type Applying = { name: string; apply: (event: RecordedEvent, ...rest: never[]) => Promise<void> };

/**
 * Decorates a projection: each `apply` runs in a `projection <name>` span, a child of the batch
 * span when there is one, LINKED to the span of the command that appended the event.
 */
export function traceProjection<P extends Applying>(projection: P, tracer: Tracer = shopTracer()): P {
  const apply = projection.apply.bind(projection) as (
    event: RecordedEvent,
    ...rest: unknown[]
  ) => Promise<void>;
  return {
    ...projection,
    apply: (event: RecordedEvent, ...rest: unknown[]) =>
      consumeEvent(tracer, `projection ${projection.name}`, event, () => apply(event, ...rest), {
        root: false,
        attributes: {
          'projection.name': projection.name,
          'event.position': positionToString(event.position),
          'event.revision': String(event.revision),
        },
      }),
  } as P;
}

/**
 * A projection batch (events applied and checkpoint committed in one transaction): a new trace with
 * the projection, the positions it spans and links to the commands behind the batch (up to 32).
 */
export function traceBatch<T>(
  tracer: Tracer,
  projection: string,
  events: readonly RecordedEvent[],
  from: Position | undefined,
  work: () => Promise<T>,
): Promise<T> {
  const last = events[events.length - 1];
  return inSpan(
    tracer,
    `projection.batch ${projection}`,
    {
      kind: SpanKind.CONSUMER,
      root: true,
      links: linksFrom(events.map((event) => event.metadata.traceparent)),
      attributes: {
        'projection.name': projection,
        'projection.batch_size': events.length,
        'projection.from_position': from ? positionToString(from) : 'start',
        ...(last ? { 'projection.to_position': positionToString(last.position) } : {}),
      },
    },
    work,
  );
}

/** A durable timer firing (reservation expiry): a new trace linked to the event that set the timer. */
export function traceTimer<T>(
  tracer: Tracer,
  timer: { kind: string; id: string; dueAt: Date | string; traceparent?: string | undefined },
  work: () => Promise<T>,
): Promise<T> {
  const dueAt = typeof timer.dueAt === 'string' ? timer.dueAt : timer.dueAt.toISOString();
  return inSpan(
    tracer,
    `timer ${timer.kind}`,
    {
      root: true,
      links: linksFrom([timer.traceparent]),
      attributes: { 'timer.kind': timer.kind, 'timer.id': timer.id, 'timer.due_at': dueAt },
    },
    work,
  );
}

/**
 * An outbound projection (the Kafka publisher): `deliver` resolves once the outside acknowledged.
 * Either `deliver` takes the events, or `prepare` turns events into a batch that `deliver` sends.
 */
type Delivering = {
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: the batch type is the projection's own
  deliver: (batch: any, signal: AbortSignal) => Promise<void>;
  prepare?: (events: readonly RecordedEvent[]) => unknown;
};

/**
 * Most events in a delivered batch whose sends are traced message by message. A larger batch is a backlog
 * (a publisher catching up sends up to KAFKA_PUBLISHER_BATCH_SIZE events at once, thousands a second),
 * whose per-message producer spans filled the span processor's queue (2,048) and dropped most spans of
 * the process, other projections' included (docs/operations.md, "Tracing").
 */
export const TRACED_SEND_LIMIT = 100;

/**
 * Decorates an outbound projection: each delivered batch runs in a `projection.batch <name>` span
 * linked to the commands behind its events, so the Kafka client's producer span (kafkajs
 * auto-instrumentation) hangs below it and the send joins the story of the command. A batch of more than
 * TRACED_SEND_LIMIT events is sent with tracing suppressed: the client makes no span per message and
 * leaves each message the `traceparent` header the publisher gave it (the command's, from the event's
 * metadata), so a consumer still continues the command's trace; the batch span says so
 * (`projection.sends_traced`). With `prepare`, the events behind each prepared batch are remembered
 * (weakly, by batch) for the links.
 */
export function traceOutbound<P extends Delivering>(projection: P, tracer: Tracer = shopTracer()): P {
  const deliver = projection.deliver.bind(projection);
  const prepare = projection.prepare?.bind(projection);
  const causes = new WeakMap<object, readonly RecordedEvent[]>();
  return {
    ...projection,
    ...(prepare
      ? {
          prepare: (events: readonly RecordedEvent[]) => {
            const batch = prepare(events);
            if (batch !== null && typeof batch === 'object') causes.set(batch, events);
            return batch;
          },
        }
      : {}),
    deliver: (batch: unknown, signal: AbortSignal) => {
      const events = prepare
        ? (batch !== null && typeof batch === 'object' && causes.get(batch)) || []
        : (batch as readonly RecordedEvent[]);
      return traceBatch(tracer, projection.name, events, undefined, () => {
        const traced = events.length <= TRACED_SEND_LIMIT;
        trace.getActiveSpan()?.setAttribute('projection.sends_traced', traced);
        return traced
          ? deliver(batch, signal)
          : context.with(suppressTracing(context.active()), () => deliver(batch, signal));
      });
    },
  };
}
