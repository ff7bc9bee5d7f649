import { createRequire } from 'node:module';
import { SpanKind } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { Kafka as KafkaClass } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../eventstore/port.ts';
import { startTelemetry } from './sdk.ts';

/**
 * Issue 9's "done when": one POST /cart/add followed across the asynchronous boundaries with an
 * in-memory span exporter. The SDK starts before the app's modules load (they are imported inside
 * beforeAll), as register.ts does in production. The publisher is the real one (kafkaProjection over
 * a KafkaSink on the real broker, traced by traceOutbound); the cart read model is not built yet, so
 * a stand-in projection, traced by traceProjection inside a traceBatch as the runner will do, plays
 * its part.
 */
const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry({
  env: {},
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
  instrumentations: [new HttpInstrumentation(), new KafkaJsInstrumentation()],
});
// Vitest loads dependencies through ESM, which require-in-the-middle does not see; requiring them
// here applies the instrumentations' patches (node:http's Server prototype, kafkajs's producer).
const requireCjs = createRequire(import.meta.url);
requireCjs('node:http');
const { Kafka } = requireCjs('kafkajs') as { Kafka: typeof KafkaClass };

const label = 'trace_journey';
let cleanup: (() => Promise<void>) | undefined;
let journey: {
  request: () => Promise<{ status: number; text: string }>;
  cartEvent: () => Promise<RecordedEvent>;
  project: (event: RecordedEvent) => Promise<void>;
  publish: (event: RecordedEvent) => Promise<void>;
  received: () => Promise<{ key: string; headers: Record<string, string> }>;
};

beforeAll(async () => {
  const { pino } = await import('pino');
  const { loadConfig } = await import('../config.ts');
  const { createPostgresEventStore } = await import('../eventstore/postgres/store.ts');
  const { createRedis, deleteKeysWithPrefix } = await import('../redis/client.ts');
  const { createTestDatabase, redisUrl, testKeyPrefix } = await import('../../test/support/isolation.ts');
  const { startTestServer } = await import('../../test/support/http.ts');
  const { createCommandApi } = await import('../../command-api/app.ts');
  const { createCommandHandler } = await import('../commands/command-handler.ts');
  const { bootstrapAdmin } = await import('../../command-api/identity/bootstrap-admin.ts');
  const { randomIds } = await import('../../command-api/ids.ts');
  const { createPasswordHasher } = await import('../auth/password-hasher.ts');
  const { signUp } = await import('../../command-api/test-support.ts');
  const { kafkaTestBrokers } = await import('../kafka/test-brokers.ts');
  const { traceEventStore } = await import('./traced-store.ts');
  const { instrumentCommandHandler } = await import('./traced-handler.ts');
  const { traceBatch, traceProjection } = await import('./projection-tracing.ts');
  const { shopTracer } = await import('./trace-context.ts');
  const { traceOutbound } = await import('./projection-tracing.ts');
  const { kafkaProjection } = await import('../../projections/publisher/kafka-projection.ts');
  const { createKafkaSink } = await import('../../projections/publisher/kafka-sink.ts');
  const { topicNames } = await import('../kafka/integration-events/topics.ts');

  const db = await createTestDatabase(label);
  const inner = await createPostgresEventStore({ connectionString: db.url, poolSize: 4 });
  const store = traceEventStore(inner);
  const handler = instrumentCommandHandler(createCommandHandler({ store }));
  const redis = createRedis({ url: redisUrl, keyPrefix: testKeyPrefix(label) });
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: 'trace-journey-secret-0123456789abcdef',
    RATE_LIMIT_AUTH_PER_MIN: '0',
    RATE_LIMIT_CHECKOUT_PER_MIN: '0',
    RATE_LIMIT_GENERAL_PER_MIN: '0',
  });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const http = await startTestServer(createCommandApi({ store, redis, config, logger, handler }));

  const admin = { email: 'admin@trace.example.com', password: 'Admin#Pass123' };
  await bootstrapAdmin(
    { store, handler, hasher: createPasswordHasher(), clock: () => new Date(), logger, ids: randomIds },
    admin,
  );
  const adminToken = (await http.request('POST', '/api/v1/users/login', { body: admin })).body.access_token;
  const product = await http.request('POST', '/api/v1/products', {
    token: adminToken,
    body: { name: 'Traced Mug', description: 'A mug', price: 9.5, category: 'Kitchen', images: [] },
  });
  expect(product.status).toBe(201);
  const productId = product.body.product_id as string;
  const received = await http.request('POST', `/api/v1/inventory/${productId}/receive`, {
    token: adminToken,
    body: { quantity: 5 },
  });
  expect(received.status).toBeLessThan(300);
  const customer = await signUp(http);

  const kafka = new Kafka({ clientId: 'trace-journey', brokers: kafkaTestBrokers(), logLevel: 0 });
  const topics = topicNames(`trace-journey-${Date.now()}-`);
  const admin_ = kafka.admin();
  await admin_.connect();
  await admin_.createTopics({
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 1 })),
    waitForLeaders: true,
  });
  const sink = createKafkaSink({ kafka, logger });
  const publisher = traceOutbound(kafkaProjection({ name: 'publisher', sink, topics }));
  const consumer = kafka.consumer({ groupId: `trace-journey-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: topics.user, fromBeginning: true });
  const messages: { key: string; headers: Record<string, string> }[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      messages.push({
        key: String(message.key),
        headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
      });
    },
  });

  const tracer = shopTracer();
  const applied: string[] = [];
  const cartProjection = traceProjection({
    name: 'cart',
    apply: async (event: RecordedEvent) => void applied.push(event.id),
  });

  journey = {
    request: () =>
      http.request('POST', '/api/v1/cart/add', {
        token: customer.accessToken,
        body: { product_id: productId, quantity: 2 },
      }),
    async cartEvent() {
      const events = await inner.readStream(`cart-${customer.userId}`);
      return events[events.length - 1]!;
    },
    project: (event) => traceBatch(tracer, 'cart', [event], undefined, () => cartProjection.apply(event)),
    publish: (event) => {
      // The publisher's shape is settling (deliver(events), or prepare(events) then deliver(batch)).
      const outbound = publisher as unknown as {
        prepare?: (events: RecordedEvent[]) => unknown;
        deliver: (batch: unknown, signal: AbortSignal) => Promise<void>;
      };
      const batch = outbound.prepare ? outbound.prepare([event]) : [event];
      return outbound.deliver(batch, new AbortController().signal);
    },
    async received() {
      for (let i = 0; i < 150 && messages.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(messages).toHaveLength(1);
      return messages[0]!;
    },
  };
  cleanup = async () => {
    await consumer.disconnect();
    await sink.close();
    await admin_.deleteTopics({ topics: Object.values(topics) }).catch(() => {});
    await admin_.disconnect();
    await http.close();
    await inner.close();
    await deleteKeysWithPrefix(redis).catch(() => 0);
    redis.disconnect();
    await db.drop();
  };
}, 120_000);

afterAll(async () => {
  await cleanup?.();
  await telemetry.shutdown();
});

const one = (spans: ReadableSpan[], predicate: (span: ReadableSpan) => boolean, what: string) => {
  const found = spans.filter(predicate);
  expect(found, `${what}: ${spans.map((s) => s.name).join(', ')}`).toHaveLength(1);
  return found[0]!;
};
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const linksTo = (span: ReadableSpan, target: ReadableSpan) =>
  span.links.some(
    (link) =>
      link.context.traceId === target.spanContext().traceId &&
      link.context.spanId === target.spanContext().spanId,
  );

describe('one checkout step as one connected story', () => {
  it('POST /cart/add → command → decide → append (traceparent in metadata) → linked projection → linked publish → Kafka send', async () => {
    exporter.reset();
    const response = await journey.request();
    expect(response.status, response.text).toBe(200);
    const event = await journey.cartEvent();
    expect(event.type).toBe('ItemAddedToCart');
    await journey.project(event);
    await journey.publish(event);
    const spans = exporter.getFinishedSpans();

    // The request: a server span, the command inside it, its decision and the append.
    const server = one(
      spans,
      (s) => s.kind === SpanKind.SERVER && String(s.attributes['url.path'] ?? '').endsWith('/cart/add'),
      'http server span',
    );
    const traceId = server.spanContext().traceId;
    const command = one(spans, (s) => s.name === 'command AddItemToCart', 'command span');
    expect(command.spanContext().traceId).toBe(traceId);
    const decide = one(
      spans,
      (s) => s.name === 'decide' && parentOf(s) === command.spanContext().spanId,
      'decide',
    );
    expect(decide.attributes['command.event_count']).toBeGreaterThanOrEqual(1);
    const append = one(
      spans,
      (s) => s.name === 'eventstore.append' && s.attributes['eventstore.stream'] === event.streamName,
      'append span',
    );
    expect(parentOf(append)).toBe(command.spanContext().spanId);
    expect(append.attributes['eventstore.revision']).toBe(String(event.revision));

    // The event names the append span as its cause.
    expect(event.metadata.traceparent).toBe(`00-${traceId}-${append.spanContext().spanId}-01`);

    // The projection: a batch span of its own trace, linked to the append; the apply span inside it.
    const batch = one(spans, (s) => s.name === 'projection.batch cart', 'projection batch span');
    expect(batch.spanContext().traceId).not.toBe(traceId);
    expect(linksTo(batch, append)).toBe(true);
    const apply = one(spans, (s) => s.name === 'projection cart', 'projection apply span');
    expect(parentOf(apply)).toBe(batch.spanContext().spanId);
    expect(linksTo(apply, append)).toBe(true);

    // The publisher: a batch span linked to the append, and kafkajs's producer span inside it.
    const publish = one(spans, (s) => s.name === 'projection.batch publisher', 'publisher batch span');
    expect(linksTo(publish, append)).toBe(true);
    const send = one(spans, (s) => s.kind === SpanKind.PRODUCER, 'kafka producer span');
    expect(send.spanContext().traceId).toBe(publish.spanContext().traceId);
    expect(parentOf(send)).toBe(publish.spanContext().spanId);

    // What the analytics consumer receives.
    const message = await journey.received();
    expect(message.headers.event_type).toBe('ItemAddedToCart');
    // kafkajs's instrumentation writes its producer span over the publisher's header, so a consumer
    // that continues the trace hangs below the send, which is linked to the command.
    expect(message.headers.traceparent).toBe(
      `00-${send.spanContext().traceId}-${send.spanContext().spanId}-01`,
    );
  });
});
