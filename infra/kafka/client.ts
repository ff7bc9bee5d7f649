import {
  type Admin,
  Kafka,
  type KafkaConfig,
  type LogEntry,
  logLevel,
  Partitioners,
  type Producer,
  type ProducerConfig,
} from 'kafkajs';
import type { Logger } from '../logger.ts';

export type KafkaClientOptions = {
  /** host:port list, e.g. from `KAFKA_BROKERS` split on commas. */
  brokers: string[];
  clientId: string;
  logger: Logger;
} & Omit<KafkaConfig, 'brokers' | 'clientId' | 'logCreator' | 'logLevel'>;

/** Comma-separated `KAFKA_BROKERS` text to the list kafkajs wants. */
export const parseBrokers = (text: string): string[] =>
  text
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);

/**
 * kafkajs warns at every idempotent producer's creation when its retries are bounded. They are bounded on
 * purpose: a send to a broker that is down fails within seconds, the publisher's own loop (which /ready
 * reports) replaces the producer and resends the batch in order. Delivery is at-least-once by design, with
 * `event_id` for consumers to drop the rare duplicate (docs/analytics.md); nothing here claims exactly-once,
 * so the warning has nothing to say to an operator and is logged at debug.
 */
const BOUNDED_RETRIES_WARNING = 'Limiting retries for the idempotent producer';

/**
 * A kafkajs client whose logs go to our pino logger, never to the console. kafkajs's INFO lines
 * (joins, rebalances, connects) are routine, so they land at pino's debug level; so do its per-response
 * error lines ("Response InitProducerId ... coordinator is loading"), which kafkajs logs at ERROR even
 * when its retry then succeeds; an error that outlives the retries reaches the caller as a rejection.
 */
export function createKafka(options: KafkaClientOptions): Kafka {
  const { brokers, clientId, logger, ...rest } = options;
  // `library`, not `component`: the caller's logger usually says which component this client serves.
  const base = logger.child({ library: 'kafkajs' });
  return new Kafka({
    ...rest,
    brokers,
    clientId,
    logLevel: logLevel.INFO,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        // kafkajs adds the stack of a failure it logs: no stack reaches a line (infra/log-errors.ts).
        const { message, timestamp: _timestamp, logger: _name, stack: _stack, ...extra } = log;
        const fields = { namespace, ...extra };
        if (namespace === 'Connection' && message.startsWith('Response ')) base.debug(fields, message);
        else if (message.startsWith(BOUNDED_RETRIES_WARNING)) base.debug(fields, message);
        else if (level === logLevel.ERROR) base.error(fields, message);
        else if (level === logLevel.WARN) base.warn(fields, message);
        else base.debug(fields, message);
      },
  });
}

/**
 * The producer at-least-once delivery without reordering needs: idempotent, one request in flight,
 * and every send acknowledged by all in-sync replicas (pass `acks: -1` to `send`, the kafkajs default).
 * The default (Java-compatible murmur2) partitioner is chosen explicitly, which also keeps kafkajs's
 * "partitioner changed" warning out of the logs.
 */
export function createIdempotentProducer(kafka: Kafka, config: ProducerConfig = {}): Producer {
  return kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    ...config,
    idempotent: true,
    maxInFlightRequests: 1,
  });
}

export type TopicSpec = { topic: string; numPartitions: number; replicationFactor?: number };

export type EnsureTopicsResult = {
  created: string[];
  /** Topics that already existed with another partition count (left as they are: repartitioning would break per-key order). */
  mismatched: { topic: string; wanted: number; actual: number }[];
};

/** Creates the topics that do not exist yet and waits until every partition of every topic has a leader. Idempotent. */
export async function ensureTopics(admin: Admin, specs: TopicSpec[]): Promise<EnsureTopicsResult> {
  if (specs.length === 0) return { created: [], mismatched: [] };
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length > 0) {
    // Returns false (no throw) when a concurrent creator won the race for all of them.
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.topic,
        numPartitions: s.numPartitions,
        replicationFactor: s.replicationFactor ?? 1,
      })),
    });
  }
  const topics = await leadersOf(admin, specs);
  const mismatched = specs.flatMap((s) => {
    const actual = topics.get(s.topic) ?? 0;
    return actual === s.numPartitions ? [] : [{ topic: s.topic, wanted: s.numPartitions, actual }];
  });
  return { created: missing.map((s) => s.topic), mismatched };
}

/** Partition counts by topic, once every partition has a leader (createTopics may not have waited, see above). */
async function leadersOf(admin: Admin, specs: TopicSpec[], timeoutMs = 30_000): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
      const ready = topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      if (ready) return new Map(topics.map((t) => [t.name, t.partitions.length]));
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics without leaders after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
