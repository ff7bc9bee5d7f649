// The Kafka publisher role: startPublisher for bin/start, createProductViewEmitter for the query API.
export { type PublisherConfig, publisherConfig } from './config.ts';
export type { BrokerState, SinkStatus } from './kafka-sink.ts';
export {
  createProductViewEmitter,
  type ProductView,
  type ProductViewEmitter,
  type ProductViewEmitterOptions,
  type ProductViewStats,
} from './product-view-emitter.ts';
export {
  createKafkaPublisher,
  type KafkaPublisher,
  type PublisherOptions,
  type PublisherStatus,
  startPublisher,
} from './publisher.ts';
