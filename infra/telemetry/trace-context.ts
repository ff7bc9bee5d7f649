import {
  type Attributes,
  context,
  isSpanContextValid,
  type Link,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { describeError } from '../log-errors.ts';

/** Runs `work` with tracing switched off: for dry runs of handlers that would otherwise look like real work. */
export const untraced = <T>(work: () => Promise<T>): Promise<T> =>
  context.with(suppressTracing(context.active()), work);

/** The instrumentation scope of our own spans. */
export const TRACER_NAME = 'eventsourced-shop';

/** Our tracer from the global provider (a no-op until register.ts or a test installs one). */
export const shopTracer = (): Tracer => trace.getTracer(TRACER_NAME);

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A span context as a W3C `traceparent` (version 00). */
export function formatTraceparent(span: SpanContext): string {
  const flags = (span.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, '0');
  return `00-${span.traceId}-${span.spanId}-${flags}`;
}

/** Parses a W3C `traceparent`; undefined for anything malformed or all-zero. */
export function parseTraceparent(value: unknown): SpanContext | undefined {
  if (typeof value !== 'string') return undefined;
  const match = traceparentPattern.exec(value.trim().toLowerCase());
  if (!match) return undefined;
  const spanContext: SpanContext = {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: Number.parseInt(match[3]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** The active span as a `traceparent`, or undefined when nothing is being traced. */
export function currentTraceparent(): string | undefined {
  const active = trace.getSpanContext(context.active());
  return active && isSpanContextValid(active) ? formatTraceparent(active) : undefined;
}

/**
 * Event metadata with the active span's `traceparent`. The active span (a child of the request's
 * server span) is a better parent for consumers than the client's header, which names a span in
 * another process; when nothing is traced the metadata keeps what it had.
 */
export function withTraceparent<M extends { traceparent?: string | undefined }>(metadata: M): M {
  const traceparent = currentTraceparent();
  return traceparent ? { ...metadata, traceparent } : metadata;
}

/**
 * Links to the spans that caused some events (their metadata's `traceparent`), one per distinct
 * span and at most `max`, so a batch of 500 events does not carry 500 links.
 */
export function linksFrom(traceparents: Iterable<unknown>, max = 32): Link[] {
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const value of traceparents) {
    if (links.length >= max) break;
    const spanContext = parseTraceparent(value);
    if (!spanContext || seen.has(spanContext.spanId)) continue;
    seen.add(spanContext.spanId);
    links.push({ context: spanContext });
  }
  return links;
}

export type SpanOptions = {
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
  /** Start a new trace (a consumer's span is linked to its cause, not a child of whatever was active). */
  root?: boolean;
};

/** Runs `work` inside an active span; an error marks the span failed and is rethrown. */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: SpanOptions,
  work: (span: Span) => Promise<T> | T,
): Promise<T> {
  const { root, ...spanOptions } = options;
  return tracer.startActiveSpan(name, { ...spanOptions, ...(root ? { root: true } : {}) }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      // Described, never quoted, and without the stack: a trace leaves the process (infra/log-errors.ts).
      const message = describeError(error);
      const { code } = (error ?? {}) as { code?: unknown };
      span.recordException({
        name: error instanceof Error ? error.name : typeof error,
        message,
        ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
      });
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      throw error;
    } finally {
      span.end();
    }
  });
}

type EventLike = { type: string; streamName: string; metadata?: { traceparent?: unknown } };

export type ConsumeOptions = {
  attributes?: Attributes;
  /** Default true: a new trace. False: a child of the active span (a projection batch), still linked. */
  root?: boolean;
};

/**
 * A consumer's span for handling one event (process manager, publisher, a projection's apply):
 * LINKED to the span that appended the event, as OpenTelemetry's messaging conventions do for
 * asynchronous hand-offs, so one checkout reads as one connected story across processes.
 */
export function consumeEvent<T>(
  tracer: Tracer,
  name: string,
  event: EventLike,
  work: (span: Span) => Promise<T> | T,
  options: ConsumeOptions = {},
): Promise<T> {
  return inSpan(
    tracer,
    name,
    {
      kind: SpanKind.CONSUMER,
      root: options.root ?? true,
      links: linksFrom([event.metadata?.traceparent]),
      attributes: { 'event.type': event.type, 'event.stream': event.streamName, ...options.attributes },
    },
    work,
  );
}
