import type { Tracer } from '@opentelemetry/api';
import { SpanKind } from '@opentelemetry/api';
import { VersionConflict } from '../eventstore/errors.ts';
import type { EventStore } from '../eventstore/port.ts';
import { positionToString } from '../eventstore/position.ts';
import { type ReservationOutcome, type ShopMetrics, streamCategory } from './metrics.ts';
import { inSpan, shopTracer, withTraceparent } from './trace-context.ts';

export type TracedStoreOptions = { metrics?: ShopMetrics; tracer?: Tracer };

/** Reservation facts, counted as they are written (the stock aggregate is their one source). */
const reservationOutcomes: Record<string, ReservationOutcome> = {
  StockReserved: 'reserved',
  ReservationCommitted: 'committed',
  ReservationExpired: 'expired',
  ReservationReleased: 'released',
};

/**
 * Decorates an event store: each append runs in an `eventstore.append` span (stream, expected and
 * resulting revision, event count), stamps the active span's `traceparent` into every event's
 * metadata so consumers can link back to it, and records append latency, version conflicts and the
 * reservation facts appended (reservations_total). Wrap it outside any decorator that hashes metadata.
 * Reads pass through untouched (the pg and gRPC auto-instrumentations already see them).
 */
export function traceEventStore(store: EventStore, options: TracedStoreOptions = {}): EventStore {
  const tracer = options.tracer ?? shopTracer();
  const { metrics } = options;
  return {
    appendToStream(stream, events, appendOptions) {
      const category = streamCategory(stream);
      const expected = appendOptions?.expectedRevision ?? 'any';
      return inSpan(
        tracer,
        'eventstore.append',
        {
          kind: SpanKind.CLIENT,
          attributes: {
            'eventstore.stream': stream,
            'eventstore.expected_revision': String(expected),
            'eventstore.event_count': events.length,
            'eventstore.event_types': [...new Set(events.map((e) => e.type))],
          },
        },
        async (span) => {
          const stamped = events.map((event) => ({
            ...event,
            metadata: withTraceparent(event.metadata ?? {}),
          }));
          const started = performance.now();
          try {
            const result = await store.appendToStream(stream, stamped, appendOptions);
            metrics?.appendLatency(category, (performance.now() - started) / 1000, 'ok');
            for (const event of events) {
              const outcome = reservationOutcomes[event.type];
              if (outcome) metrics?.reservation(outcome);
            }
            span.setAttribute('eventstore.revision', String(result.nextExpectedRevision));
            span.setAttribute('eventstore.position', positionToString(result.position));
            return result;
          } catch (error) {
            const conflict = error instanceof VersionConflict;
            metrics?.appendLatency(
              category,
              (performance.now() - started) / 1000,
              conflict ? 'conflict' : 'error',
            );
            if (conflict) metrics?.versionConflict(category);
            throw error;
          }
        },
      );
    },
    readStream: (stream, readOptions) => store.readStream(stream, readOptions),
    readAll: (readOptions) => store.readAll(readOptions),
    subscribeToAll: (subscribeOptions) => store.subscribeToAll(subscribeOptions),
    headPosition: () => store.headPosition(),
    close: () => store.close(),
  };
}
