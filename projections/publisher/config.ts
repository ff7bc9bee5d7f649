import { z } from 'zod';
import { parseBrokers } from '../../infra/kafka/client.ts';

const schema = z.object({
  KAFKA_BROKERS: z.string().optional(),
  KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(3),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).default(1),
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, dot, underscore, dash')
    .default(''),
  KAFKA_PUBLISHER_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(1_000),
});

export type PublisherConfig = {
  /** Empty: no Kafka configured, the publisher role does not run. */
  brokers: string[];
  partitions: number;
  replicationFactor: number;
  topicPrefix: string;
  batchSize: number;
};

/** The publisher's settings from the environment (throws a zod error naming every bad variable). */
export function publisherConfigFromEnv(env: NodeJS.ProcessEnv = process.env): PublisherConfig {
  const parsed = schema.parse(env);
  return {
    brokers: parseBrokers(parsed.KAFKA_BROKERS ?? ''),
    partitions: parsed.KAFKA_PARTITIONS,
    replicationFactor: parsed.KAFKA_REPLICATION_FACTOR,
    topicPrefix: parsed.KAFKA_TOPIC_PREFIX,
    batchSize: parsed.KAFKA_PUBLISHER_BATCH_SIZE,
  };
}
