import { context, isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * A pino `mixin`: every log line written inside a traced span carries its `trace_id` and `span_id`,
 * so a log search and a trace view meet. Lines outside any span get nothing extra.
 */
export function traceLogMixin(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpanContext(context.active());
  if (!span || !isSpanContextValid(span)) return {};
  return { trace_id: span.traceId, span_id: span.spanId };
}
