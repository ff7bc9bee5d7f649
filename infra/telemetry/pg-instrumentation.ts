import { type Span, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';

/**
 * Sets an error status without its message. PostgreSQL's message quotes SQL and the values of rows
 * (`invalid input syntax for type uuid: "<the input>"`); the exception event the instrumentation records
 * beside it already says only the error's type and SQLSTATE.
 */
function withoutStatusMessage(span: Span): Span {
  const setStatus = span.setStatus;
  span.setStatus = (status) =>
    setStatus.call(span, status.code === SpanStatusCode.ERROR ? { code: status.code } : status);
  return span;
}

/**
 * The pg instrumentation, except that a failed query's span keeps no PostgreSQL message: traces leave
 * the process for a collector, and no SQL or personal data goes with them (infra/log-errors.ts holds
 * the same rule for log lines). The instrumentation reads its tracer through `tracer` for every span.
 */
export class PgInstrumentationWithoutMessages extends PgInstrumentation {
  #inner: Tracer | undefined;
  #wrapped: Tracer | undefined;

  protected override get tracer(): Tracer {
    const inner = super.tracer;
    if (inner !== this.#inner) {
      this.#inner = inner;
      this.#wrapped = {
        startSpan: (name, options, context) => withoutStatusMessage(inner.startSpan(name, options, context)),
        // Not used by the instrumentation (its spans all start with startSpan).
        startActiveSpan: inner.startActiveSpan.bind(inner),
      };
    }
    return this.#wrapped!;
  }
}
