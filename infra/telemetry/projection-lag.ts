import type { EventStore } from '../eventstore/port.ts';
import { parsePosition } from '../eventstore/position.ts';
import type { ShopMetrics } from './metrics.ts';

/** Where a projection stands: its name, the event types it reads, its checkpoint (position string). */
export type ProjectionStanding = {
  projection: string;
  eventTypes?: readonly string[];
  position: string | undefined;
  /** Events it has parked and not recovered (sets projection_parked_events when given). */
  parked?: number;
  /** The Kafka publisher's lag is also kafka_publish_lag_events/_seconds. */
  publisher?: boolean;
};

export type LagSamplerOptions = {
  store: Pick<EventStore, 'readAll'>;
  metrics: ShopMetrics;
  /** The projections to measure, asked afresh each time (e.g. the runners' status()). */
  standings: () => ProjectionStanding[] | Promise<ProjectionStanding[]>;
  /** Counting stops here: a projection this far behind shows the cap (default 5,000). */
  cap?: number;
  intervalMs?: number;
  clock?: () => Date;
  onError?: (error: unknown) => void;
};

/**
 * Measures each projection's lag against the log itself: the events after its checkpoint that it
 * reads (up to `cap`) and the age of the oldest of them. Reading the log, rather than trusting a
 * runner's own report, shows a runner that is stuck or dead as lag that keeps growing.
 */
export function createProjectionLagSampler(options: LagSamplerOptions) {
  const { store, metrics, cap = 5_000, clock = () => new Date() } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function sample(): Promise<void> {
    for (const standing of await options.standings()) {
      const after = standing.position === undefined ? undefined : parsePosition(standing.position);
      const page = await store.readAll({
        ...(after ? { after } : {}),
        maxCount: cap,
        ...(standing.eventTypes ? { filter: { eventTypes: standing.eventTypes } } : {}),
      });
      const oldest = page.events[0];
      const seconds = oldest ? Math.max(0, (clock().getTime() - oldest.recordedAt.getTime()) / 1000) : 0;
      metrics.projectionLag(standing.projection, page.events.length, seconds);
      if (standing.parked !== undefined) metrics.parkedEvents(standing.projection, standing.parked);
      if (standing.publisher) metrics.kafkaPublishLag(page.events.length, seconds);
    }
  }

  const tick = () => {
    if (running) return;
    running = sample()
      .catch((error) => options.onError?.(error))
      .finally(() => {
        running = undefined;
      });
  };

  return {
    sample,
    start() {
      if (timer) return;
      timer = setInterval(tick, options.intervalMs ?? 5_000);
      timer.unref();
      tick();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
