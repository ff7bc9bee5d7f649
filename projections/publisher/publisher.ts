import type { Kafka } from 'kafkajs';
import { type TopicNames, topicKinds, topicNames } from '../../application/integration-events/index.ts';
import { backoffMs, sleep } from '../../application/projection-runner/failures.ts';
import {
  createProjectionRunner,
  type ProjectionRunner,
  type RunnerDeps,
  type RunnerOptions,
} from '../../application/projection-runner/runner.ts';
import type { ProjectionStatus } from '../../application/projection-runner/types.ts';
import type { Position } from '../../infra/eventstore/position.ts';
import { createKafka, ensureTopics } from '../../infra/kafka/client.ts';
import { createProjectionLagSampler, traceOutbound } from '../../infra/telemetry/index.ts';
import { kafkaProjection } from './kafka-projection.ts';
import { createKafkaSink, type SinkStatus } from './kafka-sink.ts';

export type PublisherOptions = {
  /** host:port list (KAFKA_BROKERS). */
  brokers: string[];
  /**
   * Runner dependencies: event store, read-model db (checkpoint and lease), logger, and the process's
   * metrics, into which kafka_publish_lag_events/_seconds (and projection_lag) are sampled.
   */
  deps: RunnerDeps;
  /** Projection name for the checkpoint and lease. Default `kafka_publisher`. */
  name?: string;
  /** Prefix of the four topic names (KAFKA_TOPIC_PREFIX), default none. */
  topicPrefix?: string;
  /** Partitions of each topic when it is created (KAFKA_PARTITIONS), default 3. */
  partitions?: number;
  replicationFactor?: number;
  /** Most domain events per Kafka send while catching up (KAFKA_PUBLISHER_BATCH_SIZE), default 1000. */
  batchSize?: number;
  /** Backoff while Kafka is unreachable. Default 200 ms doubling to 5 s. */
  backoff?: { baseMs?: number; maxMs?: number };
  runner?: RunnerOptions;
  clientId?: string;
  /** False: no lag sampling (another process samples it). Default true. */
  sampleLag?: boolean;
  /** How often the lag is sampled (default 5 s). */
  lagSampleMs?: number;
};

export type PublisherStatus = ProjectionStatus & {
  topics: 'pending' | 'ready';
  kafka: SinkStatus;
};

export type KafkaPublisher = {
  readonly topics: TopicNames;
  /** Creates the topics (retrying while Kafka is down), then starts publishing. Returns at once. */
  start(): void;
  /** Resolves once the topics exist and the runner started (tests). */
  readonly started: Promise<void>;
  stop(): Promise<void>;
  status(): PublisherStatus;
  /** For /ready: `ok` false while Kafka is unreachable or the runner is not running; `status` says why. */
  ready(): { ok: boolean; status: PublisherStatus };
  /** True once everything up to `position` is acknowledged by Kafka and checkpointed. */
  waitFor(position: Position, timeoutMs: number): Promise<boolean>;
  readonly runner: ProjectionRunner;
};

/**
 * The Kafka publisher: an outbound projection on the projection runner. Domain events become
 * integration events (application/integration-events), sent by an idempotent producer (acks = all,
 * one request in flight), many per send while catching up; the checkpoint moves only after Kafka
 * acknowledged. Broker down: it waits and retries with backoff, and /ready says so.
 */
export function createKafkaPublisher(options: PublisherOptions): KafkaPublisher {
  const { deps } = options;
  const logger = deps.logger.child({ component: 'kafka-publisher' });
  const topics = topicNames(options.topicPrefix ?? '');
  const kafka: Kafka = createKafka({
    brokers: options.brokers,
    clientId: options.clientId ?? 'publisher',
    logger,
    // Short kafkajs-level retries: our own loop retries forever, with a backoff /ready can report.
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
  });
  const sink = createKafkaSink({ kafka, logger, ...(options.backoff ? { backoff: options.backoff } : {}) });
  // Each send runs in a batch span linked to the commands behind its events (the kafkajs span hangs below).
  const projection = traceOutbound(
    kafkaProjection({ name: options.name ?? 'kafka_publisher', sink, topics }),
  );
  const runner = createProjectionRunner(projection, deps, {
    batchSize: options.batchSize ?? 1_000,
    ...options.runner,
  });
  // Lag measured against the log from the checkpoint: a stuck or dead publisher shows as growing lag.
  // A standby waiting for the lease reports nothing (another instance publishes).
  const sampler =
    options.sampleLag !== false
      ? createProjectionLagSampler({
          store: deps.store,
          metrics: deps.metrics,
          standings: () => {
            const s = runner.status();
            if (s.state !== 'live' && s.state !== 'catching-up' && s.state !== 'retrying') return [];
            return [
              {
                projection: s.projection,
                eventTypes: projection.eventTypes,
                position: s.position,
                publisher: true,
              },
            ];
          },
          ...(options.lagSampleMs ? { intervalMs: options.lagSampleMs } : {}),
          onError: (error) => logger.warn({ err: error }, 'publish lag sample failed'),
        })
      : undefined;
  const stopping = new AbortController();
  let topicsReady = false;
  let resolveStarted!: () => void;
  const started = new Promise<void>((resolve) => {
    resolveStarted = resolve;
  });

  const createTopics = async () => {
    const partitions = options.partitions ?? 3;
    for (let attempt = 1; !stopping.signal.aborted; attempt += 1) {
      const admin = kafka.admin();
      try {
        await admin.connect();
        const result = await ensureTopics(
          admin,
          topicKinds.map((kind) => ({
            topic: topics[kind],
            numPartitions: partitions,
            replicationFactor: options.replicationFactor ?? 1,
          })),
        );
        for (const m of result.mismatched) {
          logger.warn(m, 'topic exists with another partition count; left as it is (per-key order)');
        }
        if (result.created.length > 0) logger.info({ created: result.created, partitions }, 'topics created');
        return true;
      } catch (error) {
        if (attempt === 1 || attempt % 10 === 0)
          logger.warn({ err: error, attempt }, 'cannot create topics yet');
        await sleep(backoffMs(attempt, 200, 5_000), stopping.signal);
      } finally {
        await admin.disconnect().catch(() => {});
      }
    }
    return false;
  };

  let setup: Promise<void> | undefined;
  const status = (): PublisherStatus => ({
    ...runner.status(),
    topics: topicsReady ? 'ready' : 'pending',
    kafka: sink.status(),
  });
  return {
    topics,
    started,
    runner,
    start() {
      setup ??= createTopics().then((ok) => {
        if (!ok) return;
        topicsReady = true;
        runner.start();
        sampler?.start();
        resolveStarted();
      });
    },
    async stop() {
      stopping.abort();
      await setup;
      await sampler?.stop();
      await runner.stop();
      await sink.close();
    },
    status,
    ready() {
      const s = status();
      // A standby waiting for the lease is healthy: another instance publishes.
      const running = s.state === 'live' || s.state === 'catching-up' || s.state === 'waiting-for-lease';
      return { ok: topicsReady && running && s.kafka.broker !== 'unavailable', status: s };
    },
    waitFor: (position, timeoutMs) => runner.waitFor(position, timeoutMs),
  };
}

/** Creates the publisher and starts it. */
export function startPublisher(options: PublisherOptions): KafkaPublisher {
  const publisher = createKafkaPublisher(options);
  publisher.start();
  return publisher;
}
