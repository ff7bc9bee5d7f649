import type { Instrumentation } from '@opentelemetry/instrumentation';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { startNodeSdk } from '@opentelemetry/sdk-node';
import { NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { PgInstrumentationWithoutMessages } from './pg-instrumentation.ts';

/** Paths whose requests are not worth a trace: probes and scrapes arrive every few seconds. */
const untraced = new Set(['/health', '/ready', '/metrics', '/favicon.ico']);

/**
 * The libraries we trace automatically. One package per library instead of the auto-instrumentation
 * bundle, which would pull in dozens of instrumentations (and their patches) for libraries we do not use.
 */
export function instrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => untraced.has((req.url ?? '').split('?')[0] ?? ''),
      // A credential in a query string reads as REDACTED in `url.query`: the unsubscribe link's single-use
      // token (GET /users/unsubscribe?token=…). The list replaces the instrumentation's own (cloud
      // storage signatures), which none of our routes takes.
      redactedQueryParamsServer: ['token'],
    }),
    // No Express instrumentation: it wraps every layer a request passes through (each middleware, router
    // and route) to open a "request handler" span under the HTTP span, with the same duration and nothing
    // the HTTP span and the pg/redis spans do not say; that cost about a tenth of the CPU of a
    // GET /products/{id} (docs/performance.md). The HTTP span still gets the route template (http.route,
    // and its name `GET /api/v1/products/:product_id`) from httpMetrics, which notes the matched route.
    // No span for connecting or for a pool checkout: a fifth of the pg spans of the projections, and
    // the wait for a client still shows as the gap before the query's span (docs/performance.md). A
    // failed query's span keeps no PostgreSQL message (it quotes SQL and values).
    new PgInstrumentationWithoutMessages({ requireParentSpan: true, ignoreConnectSpans: true }),
    // A Redis span says its command, not its arguments: the default keeps the keys and a script's
    // arguments (an idempotency record's fingerprint, a rate limit's key), and a key may name a person.
    new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    new KafkaJsInstrumentation(),
    new GrpcInstrumentation(),
  ];
}

export type TelemetryOptions = {
  env?: NodeJS.ProcessEnv;
  /** Tests pass an in-memory exporter's processor here; otherwise chosen from the environment. */
  spanProcessors?: SpanProcessor[];
  instrumentations?: Instrumentation[];
};

export type Telemetry = {
  /** True when spans leave the process (OTLP); false when they are only used for ids and links. */
  exporting: boolean;
  shutdown(): Promise<void>;
};

/**
 * Starts the OpenTelemetry Node SDK. With OTEL_EXPORTER_OTLP_ENDPOINT (or the traces-specific one)
 * set, spans go to that collector by OTLP (protocol per OTEL_EXPORTER_OTLP_PROTOCOL, http/protobuf by
 * default). Without it, tracing still runs, so requests get trace ids, logs carry them and events
 * carry `traceparent`, but nothing is exported and nothing tries to connect. Metrics and logs stay
 * with prom-client and pino; OTEL_SDK_DISABLED=true turns the SDK off altogether.
 */
export function startTelemetry(options: TelemetryOptions = {}): Telemetry {
  const env = options.env ?? process.env;
  if (env.OTEL_SDK_DISABLED === 'true') return { exporting: false, shutdown: async () => {} };
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const exporting = options.spanProcessors === undefined && Boolean(endpoint);
  const spanProcessors = options.spanProcessors ?? (exporting ? undefined : [new NoopSpanProcessor()]);
  const sdk = startNodeSdk({
    resourceAttributes: { 'service.name': env.OTEL_SERVICE_NAME || serviceName(env.ROLES) },
    ...(spanProcessors ? { spanProcessors } : {}),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: options.instrumentations ?? instrumentations(),
  });
  return { exporting, shutdown: () => sdk.shutdown() };
}

/** `shop-command-api` for ROLES=command-api, `shop` for several roles or all. */
export function serviceName(roles: string | undefined): string {
  const picked = (roles ?? 'all')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  return picked.length === 1 && picked[0] !== 'all' ? `shop-${picked[0]}` : 'shop';
}
