import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { createIdempotentProducer, createKafka, ensureTopics } from './client.ts';
import { headersAsText } from './tail.ts';
import { kafkaTestBrokers } from './test-brokers.ts';

// The smoke test of the real broker that test/kafka-setup.ts starts: an idempotent producer's
// messages come back with their keys and headers, each key on one partition, in the order sent.
const logger = createLogger({ name: 'broker-int-test', level: 'warn' });
const topic = `test-broker-${randomUUID().slice(0, 8)}`;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  kafka = createKafka({ brokers: kafkaTestBrokers(), clientId: 'broker-int-test', logger });
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
});

describe('the local Kafka broker', () => {
  it('answers describeCluster with one broker', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers).toHaveLength(1);
  });

  it('creates topics idempotently and reports a partition mismatch instead of repartitioning', async () => {
    expect(await ensureTopics(admin, [{ topic, numPartitions: 3 }])).toEqual({
      created: [topic],
      mismatched: [],
    });
    expect(await ensureTopics(admin, [{ topic, numPartitions: 3 }])).toEqual({ created: [], mismatched: [] });
    expect(await ensureTopics(admin, [{ topic, numPartitions: 5 }])).toEqual({
      created: [],
      mismatched: [{ topic, wanted: 5, actual: 3 }],
    });
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(topics[0]?.partitions).toHaveLength(3);
  });

  it('delivers an idempotent producer’s messages with keys and headers, in order per key', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `agg-${i}`);
    const perKey = 25;
    const sent: { key: string; seq: number; eventId: string }[] = [];
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    try {
      // Keys interleaved inside each batch, as a publisher catching up would send them.
      for (let seq = 0; seq < perKey; seq += 5) {
        const messages = keys.flatMap((key) =>
          [0, 1, 2, 3, 4].map((offset) => {
            const event = { key, seq: seq + offset, eventId: randomUUID() };
            sent.push(event);
            return {
              key,
              value: JSON.stringify({ seq: event.seq }),
              headers: { event_id: event.eventId, event_type: 'SmokeTested', schema_version: '1' },
            };
          }),
        );
        await producer.send({ topic, acks: -1, messages });
      }
    } finally {
      await producer.disconnect();
    }

    const received: { key: string; partition: number; seq: number; headers: Record<string, string> }[] = [];
    const consumer = kafka.consumer({ groupId: `test-broker-${randomUUID()}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      const done = new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ partition, message }) => {
            const value = JSON.parse(message.value?.toString() ?? 'null') as { seq: number };
            received.push({
              key: message.key?.toString() ?? '',
              partition,
              seq: value.seq,
              headers: headersAsText(message.headers),
            });
            if (received.length === sent.length) resolve();
          },
        });
      });
      await done;
    } finally {
      await consumer.disconnect();
    }

    expect(received).toHaveLength(keys.length * perKey);
    for (const key of keys) {
      const mine = received.filter((m) => m.key === key);
      expect(mine.map((m) => m.seq)).toEqual(Array.from({ length: perKey }, (_, i) => i));
      expect(new Set(mine.map((m) => m.partition)).size).toBe(1);
      const eventIds = sent.filter((s) => s.key === key).map((s) => s.eventId);
      expect(mine.map((m) => m.headers.event_id)).toEqual(eventIds);
      expect(
        mine.every((m) => m.headers.event_type === 'SmokeTested' && m.headers.schema_version === '1'),
      ).toBe(true);
    }
    // 12 keys over 3 partitions: the keys really are spread, so "one partition per key" says something.
    expect(new Set(received.map((m) => m.partition)).size).toBeGreaterThan(1);
  });
});
