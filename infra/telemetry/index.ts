// What the roles use from telemetry; register.ts is loaded with --import, not imported.
export { httpMetrics, metricsRoute, routeLabel } from './http-metrics.ts';
export { traceLogMixin } from './log-context.ts';
export {
  type CommandOutcome,
  createMetrics,
  type MetricsOptions,
  type ReservationOutcome,
  type ShopMetrics,
  streamCategory,
} from './metrics.ts';
export {
  createProjectionLagSampler,
  type LagSamplerOptions,
  type ProjectionStanding,
} from './projection-lag.ts';
export { traceBatch, traceOutbound, traceProjection, traceTimer } from './projection-tracing.ts';
export { shutdownTelemetry, telemetryStatus } from './shutdown.ts';
export {
  consumeEvent,
  currentTraceparent,
  formatTraceparent,
  inSpan,
  linksFrom,
  parseTraceparent,
  shopTracer,
  untraced,
  withTraceparent,
} from './trace-context.ts';
export { traceEventStore } from './traced-store.ts';
