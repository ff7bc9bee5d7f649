import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds: from sub-millisecond appends to multi-second requests. */
const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Default gauges whose totals are `sum(nodejs_active_handles)` etc. (see docs/operations.md). */
export const misnamedDefaultGauges = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

export type CommandOutcome = 'ok' | 'noop' | 'rejected' | 'conflict' | 'error';
export type ReservationOutcome = 'reserved' | 'committed' | 'expired' | 'released';

export type MetricsOptions = {
  /** A registry of your own (tests); a new one otherwise, never prom-client's global. */
  registry?: Registry;
  /** Labels on every series, e.g. `{ service: 'command-api' }`. */
  labels?: Record<string, string>;
  /** Node runtime metrics (event loop lag, heap, GC, handles). Default true. */
  runtime?: boolean;
};

/**
 * Every metric the system exposes on GET /metrics, in one registry per process. Roles get this
 * object as a dependency and call the recorders; docs/operations.md says what each one means.
 */
export function createMetrics(options: MetricsOptions = {}) {
  const registry = options.registry ?? new Registry();
  if (options.labels) registry.setDefaultLabels(options.labels);
  if (options.runtime ?? true) {
    collectDefaultMetrics({ register: registry });
    // prom-client's defaults include three gauges named `*_total`, a suffix Prometheus keeps for counters;
    // each is the sum of the by-type gauge of the same name without the suffix, which stays.
    for (const name of misnamedDefaultGauges) registry.removeSingleMetric(name);
  }
  const registers = [registry];

  const httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: latencyBuckets,
    registers,
  });
  const commands = new Counter({
    name: 'commands_total',
    help: 'Commands handled, by command type and outcome (ok, noop, rejected, conflict, error).',
    labelNames: ['type', 'outcome'] as const,
    registers,
  });
  const commandDuration = new Histogram({
    name: 'command_duration_seconds',
    help: 'Load, decide and append of one command, retries included.',
    labelNames: ['type'] as const,
    buckets: latencyBuckets,
    registers,
  });
  const commandRetries = new Counter({
    name: 'command_retries_total',
    help: 'Commands decided again after a version conflict, by command type.',
    labelNames: ['type'] as const,
    registers,
  });
  const appendDuration = new Histogram({
    name: 'eventstore_append_duration_seconds',
    help: 'Latency of one append to the event store, by stream category and result.',
    labelNames: ['category', 'result'] as const,
    buckets: latencyBuckets,
    registers,
  });
  const versionConflicts = new Counter({
    name: 'eventstore_version_conflicts_total',
    help: 'Appends refused because the stream moved past the expected revision, by stream category.',
    labelNames: ['category'] as const,
    registers,
  });
  const projectionLagEvents = new Gauge({
    name: 'projection_lag_events',
    help: 'Events in the log a projection has not applied yet (capped at the sampler limit).',
    labelNames: ['projection'] as const,
    registers,
  });
  const projectionLagSeconds = new Gauge({
    name: 'projection_lag_seconds',
    help: 'Age of the oldest event a projection has not applied yet; 0 when current.',
    labelNames: ['projection'] as const,
    registers,
  });
  const parked = new Gauge({
    name: 'projection_parked_events',
    help: 'Events parked (dead-lettered) by a projection and not yet recovered.',
    labelNames: ['projection'] as const,
    registers,
  });
  const reservations = new Counter({
    name: 'reservations_total',
    help: 'Stock reservations by outcome: reserved, committed, expired, released.',
    labelNames: ['outcome'] as const,
    registers,
  });
  const kafkaLagEvents = new Gauge({
    name: 'kafka_publish_lag_events',
    help: 'Integration events appended but not yet acknowledged by Kafka.',
    registers,
  });
  const kafkaLagSeconds = new Gauge({
    name: 'kafka_publish_lag_seconds',
    help: 'Age of the oldest event not yet acknowledged by Kafka; 0 when current.',
    registers,
  });
  const kafkaDropped = new Counter({
    name: 'kafka_dropped_messages_total',
    help: 'Best-effort messages (product views) dropped because the buffer was full or Kafka down.',
    labelNames: ['topic'] as const,
    registers,
  });
  const parkedTotal = new Counter({
    name: 'projection_parked_events_total',
    help: 'Events parked (dead-lettered) by a projection runner since this process started.',
    labelNames: ['projection'] as const,
    registers,
  });
  const published = new Counter({
    name: 'publisher_events_total',
    help: 'Domain events an outbound projection (Kafka publisher, notifier) has checkpointed past, their delivery acknowledged.',
    labelNames: ['projection'] as const,
    registers,
  });
  const mailSent = new Counter({
    name: 'mail_sent_total',
    help: 'Mail accepted by SMTP (or written to MAIL_DIR), by kind.',
    labelNames: ['kind'] as const,
    registers,
  });
  const mailFailed = new Counter({
    name: 'mail_failed_total',
    help: 'Mail refused for good by the SMTP server (5xx), by kind.',
    labelNames: ['kind'] as const,
    registers,
  });
  const mailWaiting = new Gauge({
    name: 'mail_waiting',
    help: 'Mail on its way: being sent, or waiting for the SMTP server to come back.',
    registers,
  });
  const timerBacklog = new Gauge({
    name: 'process_manager_timer_backlog',
    help: 'Durable timers: due (past their time, not yet fired) and pending (all stored).',
    labelNames: ['state'] as const,
    registers,
  });

  return {
    registry,
    httpRequests,
    httpDuration,
    commands,
    commandDuration,
    commandRetries,
    appendDuration,
    versionConflicts,
    projectionLagEvents,
    projectionLagSeconds,
    parked,
    reservations,
    kafkaLagEvents,
    kafkaLagSeconds,
    kafkaDropped,
    timerBacklog,
    mailSent,
    mailFailed,
    mailWaiting,

    recordCommand(type: string, outcome: CommandOutcome, seconds?: number) {
      commands.inc({ type, outcome });
      if (seconds !== undefined) commandDuration.observe({ type }, seconds);
    },
    recordRetry(type: string) {
      commandRetries.inc({ type });
    },
    appendLatency(category: string, seconds: number, result: 'ok' | 'conflict' | 'error' = 'ok') {
      appendDuration.observe({ category, result }, seconds);
    },
    versionConflict(category: string) {
      versionConflicts.inc({ category });
    },
    projectionLag(projection: string, events: number, seconds: number) {
      projectionLagEvents.set({ projection }, events);
      projectionLagSeconds.set({ projection }, seconds);
    },
    parkedEvents(projection: string, count: number) {
      parked.set({ projection }, count);
    },
    reservation(outcome: ReservationOutcome, count = 1) {
      reservations.inc({ outcome }, count);
    },
    kafkaPublishLag(events: number, seconds: number) {
      kafkaLagEvents.set(events);
      kafkaLagSeconds.set(seconds);
    },
    kafkaDrop(topic: string, count = 1) {
      kafkaDropped.inc({ topic }, count);
    },
    timers(due: number, pending: number) {
      timerBacklog.set({ state: 'due' }, due);
      timerBacklog.set({ state: 'pending' }, pending);
    },
    /** A runner parked an event (its dead-letter row is written). */
    eventParked(projection: string) {
      parkedTotal.inc({ projection });
    },
    /** An outbound projection checkpointed past `count` delivered events. */
    eventsPublished(projection: string, count: number) {
      published.inc({ projection }, count);
    },
    /** The current value of one series of a counter or gauge (0 if it has none yet): tests, /ready. */
    async value(name: string, labels: Record<string, string> = {}) {
      const metric = registry.getSingleMetric(name);
      if (!metric) throw new Error(`no metric ${name}`);
      const { values } = await metric.get();
      const wanted = Object.entries(labels);
      const found = values.find((v) =>
        wanted.every(([key, value]) => String((v.labels as Record<string, unknown>)[key]) === value),
      );
      return found?.value ?? 0;
    },
    /** Prometheus text exposition of everything above. */
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

export type ShopMetrics = ReturnType<typeof createMetrics>;

/** The stream category (`cart` of `cart-usr_1`): a bounded label, unlike the stream name. */
export const streamCategory = (stream: string) => {
  const dash = stream.indexOf('-');
  return dash === -1 ? stream : stream.slice(0, dash);
};
