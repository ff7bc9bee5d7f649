import { randomUUID } from 'node:crypto';
import { type Kafka, type Message, Partitioners, type Producer } from 'kafkajs';
import { ProductViewed, topicNames } from '../../application/integration-events/index.ts';
import { backoffMs, sleep } from '../../application/projection-runner/failures.ts';
import type { Logger } from '../../infra/logger.ts';
import type { ShopMetrics } from '../../infra/telemetry/index.ts';

export type ProductView = {
  productId: string;
  /** null for an anonymous visitor. */
  userId: string | null;
  correlationId?: string;
  traceparent?: string;
  /** Default: now. */
  at?: Date;
};

export type ProductViewStats = {
  buffered: number;
  sent: number;
  /** Views thrown away because the buffer was full (Kafka slow or down) or the view was invalid. */
  dropped: number;
  sendFailures: number;
};

export type ProductViewEmitter = {
  /** Synchronous and O(1): never waits for Kafka, never throws. */
  emit(view: ProductView): void;
  stats(): ProductViewStats;
  /** Tries to send what is buffered for up to `timeoutMs`, then lets go of the producer. */
  close(timeoutMs?: number): Promise<void>;
};

export type ProductViewEmitterOptions = {
  kafka: Kafka;
  logger: Logger;
  /** Most views held while Kafka is slow or down; beyond it new views are dropped and counted. */
  bufferSize: number;
  topicPrefix?: string;
  /** Most views per send. Default 500. */
  maxBatch?: number;
  backoff?: { baseMs?: number; maxMs?: number };
  /** Counts each dropped view (kafka_dropped_messages_total{topic}). */
  metrics?: Pick<ShopMetrics, 'kafkaDrop'>;
};

/**
 * Product views for the user-events topic, emitted by the query API's GET /products/{id}. Best effort
 * by design: a view is analytics, not a fact of the shop, so a request never waits for Kafka; views are
 * buffered (bounded), sent in the background, and dropped (counted) when the buffer is full.
 */
export function createProductViewEmitter(options: ProductViewEmitterOptions): ProductViewEmitter {
  const { kafka, logger, bufferSize } = options;
  const topic = topicNames(options.topicPrefix ?? '').user;
  const maxBatch = options.maxBatch ?? 500;
  const baseMs = options.backoff?.baseMs ?? 200;
  const maxMs = options.backoff?.maxMs ?? 5_000;
  const closing = new AbortController();
  let buffer: Message[] = [];
  let producer: Producer | undefined;
  let pumping: Promise<void> | undefined;
  const stats = { sent: 0, dropped: 0, sendFailures: 0 };

  const connected = async () => {
    if (producer) return producer;
    const fresh = kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    try {
      await fresh.connect();
    } catch (error) {
      await fresh.disconnect().catch(() => {});
      throw error;
    }
    producer = fresh;
    return fresh;
  };

  const pump = async () => {
    let failures = 0;
    while (buffer.length > 0 && !closing.signal.aborted) {
      const batch = buffer.slice(0, maxBatch);
      try {
        await (await connected()).send({ topic, acks: -1, messages: batch });
        buffer = buffer.slice(batch.length);
        stats.sent += batch.length;
        failures = 0;
      } catch (error) {
        failures += 1;
        stats.sendFailures += 1;
        if (failures === 1 || failures % 10 === 0)
          logger.warn({ err: error, failures }, 'product views not sent');
        const old = producer;
        producer = undefined;
        await old?.disconnect().catch(() => {});
        await sleep(backoffMs(failures, baseMs, maxMs), closing.signal);
      }
    }
  };

  const schedule = () => {
    pumping ??= pump()
      .catch((error) => logger.error({ err: error }, 'product view pump failed'))
      .finally(() => {
        pumping = undefined;
        if (buffer.length > 0 && !closing.signal.aborted) schedule();
      });
  };

  return {
    emit(view) {
      try {
        if (closing.signal.aborted || buffer.length >= bufferSize) {
          stats.dropped += 1;
          options.metrics?.kafkaDrop(topic);
          return;
        }
        const value = ProductViewed.parse({
          event_id: randomUUID(),
          event_type: 'ProductViewed',
          schema_version: 1,
          occurred_at: (view.at ?? new Date()).toISOString(),
          product_id: view.productId,
          user_id: view.userId,
        });
        buffer.push({
          key: view.productId,
          value: JSON.stringify(value),
          headers: {
            event_id: value.event_id,
            event_type: 'ProductViewed',
            schema_version: '1',
            correlation_id: view.correlationId ?? value.event_id,
            ...(view.traceparent ? { traceparent: view.traceparent } : {}),
          },
        });
        schedule();
      } catch {
        options.metrics?.kafkaDrop(topic);
        stats.dropped += 1; // an id that is not one: nothing to publish, nothing to fail the request for
      }
    },
    stats: () => ({ buffered: buffer.length, ...stats }),
    async close(timeoutMs = 2_000) {
      if (buffer.length > 0 && pumping) {
        await Promise.race([pumping, sleep(timeoutMs)]);
      }
      closing.abort();
      await pumping;
      await producer?.disconnect().catch(() => {});
      producer = undefined;
    },
  };
}
