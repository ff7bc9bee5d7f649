import { createServer } from 'node:net';
import type { Admin, Kafka } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ProductViewed, topicNames } from '../../application/integration-events/index.ts';
import { ensureTopics } from '../../infra/kafka/client.ts';
import { kafkaTestBrokers } from '../../infra/kafka/test-brokers.ts';
import { createProductViewEmitter } from './product-view-emitter.ts';
import { readTopics, scanAndDeleteTopics, testKafka, testTopicPrefix } from './test-support.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const prefix = testTopicPrefix('views');
const topic = topicNames(prefix).user;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  kafka = testKafka(kafkaTestBrokers(), logger);
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic, numPartitions: 3 }]);
});

afterAll(async () => {
  const scan = await scanAndDeleteTopics(kafka, admin, prefix);
  await admin.disconnect();
  expect(scan.secrets).toEqual([]);
});

const until = async (check: () => boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  return check();
};

it('sends product views to user-events, keyed by product, with headers', async () => {
  const emitter = createProductViewEmitter({ kafka, logger, bufferSize: 1_000, topicPrefix: prefix });
  for (let i = 0; i < 100; i += 1) {
    emitter.emit({
      productId: `prd_v${i % 5}`,
      userId: i % 2 ? `usr_v${i}` : null,
      correlationId: `req-${i}`,
    });
  }
  expect(await until(() => emitter.stats().sent === 100, 20_000)).toBe(true);
  await emitter.close();
  const messages = await readTopics(kafka, [topic]);
  expect(messages).toHaveLength(100);
  for (const m of messages) {
    const value = ProductViewed.parse(m.value);
    expect(m.key).toBe(value.product_id);
    expect(m.headers).toMatchObject({
      event_id: value.event_id,
      event_type: 'ProductViewed',
      schema_version: '1',
    });
    expect(m.headers.correlation_id).toMatch(/^req-\d+$/);
  }
  expect(emitter.stats()).toMatchObject({ sent: 100, dropped: 0, buffered: 0 });
});

it('never slows or fails the caller when Kafka is down: bounded buffer, counted drops', async () => {
  // A port where nothing listens.
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
  const dead = testKafka([`127.0.0.1:${port}`], logger, 'views-down');
  const emitter = createProductViewEmitter({ kafka: dead, logger, bufferSize: 100, topicPrefix: prefix });
  const started = performance.now();
  for (let i = 0; i < 10_000; i += 1) emitter.emit({ productId: `prd_d${i}`, userId: null });
  emitter.emit({ productId: 'not-a-product-id', userId: null }); // invalid: dropped, not thrown
  const elapsed = performance.now() - started;
  expect(elapsed).toBeLessThan(500); // 10,001 emits; each is a push or a counted drop
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(emitter.stats()).toMatchObject({ buffered: 100, sent: 0, dropped: 9_901 });
  expect(await until(() => emitter.stats().sendFailures > 0, 15_000)).toBe(true);
  expect(emitter.stats()).toMatchObject({ buffered: 100, sent: 0, dropped: 9_901 });
  const closing = performance.now();
  await emitter.close(500);
  expect(performance.now() - closing).toBeLessThan(5_000);
});
