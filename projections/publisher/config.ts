import type { Config } from '../../infra/config.ts';
import { parseBrokers } from '../../infra/kafka/client.ts';

export type PublisherConfig = {
  /** Empty: no Kafka configured, the publisher role does not run. */
  brokers: string[];
  partitions: number;
  replicationFactor: number;
  topicPrefix: string;
  batchSize: number;
};

type KafkaSettings = Pick<
  Config,
  | 'KAFKA_BROKERS'
  | 'KAFKA_PARTITIONS'
  | 'KAFKA_REPLICATION_FACTOR'
  | 'KAFKA_TOPIC_PREFIX'
  | 'KAFKA_PUBLISHER_BATCH_SIZE'
>;

/** The publisher's settings, from the one config schema over the environment (infra/config.ts). */
export function publisherConfig(config: KafkaSettings): PublisherConfig {
  return {
    brokers: parseBrokers(config.KAFKA_BROKERS ?? ''),
    partitions: config.KAFKA_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    batchSize: config.KAFKA_PUBLISHER_BATCH_SIZE,
  };
}
