import { createRequire } from 'node:module';
import { SpanKind } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { Kafka as KafkaClass } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CartState } from '../../domain/cart/cart.ts';
import type { RecordedEvent } from '../eventstore/port.ts';
import { positionToString } from '../eventstore/position.ts';
import { startTelemetry } from './sdk.ts';

/**
 * Issue 9's "done when": one POST /cart/add followed across the asynchronous boundaries with an
 * in-memory span exporter. The SDK starts before the app's modules load (they are imported inside
 * beforeAll), as register.ts does in production. The cart read model is the real one: the registry's
 * cart projection (traced there) on the real projection runner, whose follow loop opens one
 * `projection.batch cart` span per transaction. The publisher is the real one too (kafkaProjection
 * over a KafkaSink on the real broker, traced by traceOutbound), delivered by hand here.
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
  /** Resolves once the cart runner's checkpoint has passed the event; returns the cart it wrote. */
  project: (event: RecordedEvent) => Promise<{ doc: CartState | undefined; position: string | undefined }>;
  publish: (event: RecordedEvent) => Promise<void>;
  received: () => Promise<{ key: string; headers: Record<string, string> }>;
};

beforeAll(async () => {
  const { loadConfig } = await import('../config.ts');
  const { createReadSideForTest } = await import('../../projections/test-support.ts');
  const { findProjection } = await import('../../projections/registry.ts');
  const { createProjectionRunner } = await import('../../application/projection-runner/runner.ts');
  const { readDoc } = await import('../../application/projection-runner/redis-docs.ts');
  const { redisPrefix } = await import('../../application/projection-runner/types.ts');
  const { cartKey } = await import('../../application/read-models/cart-keys.ts');
  const { startTestServer } = await import('../../test/support/http.ts');
  const { createCommandApi } = await import('../../command-api/app.ts');
  const { createCommandHandler } = await import('../../application/commands/command-handler.ts');
  const { bootstrapAdmin } = await import('../../command-api/identity/bootstrap-admin.ts');
  const { randomIds } = await import('../../command-api/ids.ts');
  const { createPasswordHasher } = await import('../auth/password-hasher.ts');
  const { signUp } = await import('../../command-api/test-support.ts');
  const { kafkaTestBrokers } = await import('../kafka/test-brokers.ts');
  const { instrumentCommandHandler } = await import('../../application/commands/traced-handler.ts');
  const { traceOutbound } = await import('./projection-tracing.ts');
  const { kafkaProjection } = await import('../../projections/publisher/kafka-projection.ts');
  const { createKafkaSink } = await import('../../projections/publisher/kafka-sink.ts');
  const { topicNames } = await import('../../application/integration-events/topics.ts');

  // The store as production decorates it (traced, hash-chained), shared by the command API and the runner.
  const side = await createReadSideForTest(label);
  const { store, redis, logger } = side;
  const handler = instrumentCommandHandler(createCommandHandler({ store }));
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: 'trace-journey-secret-0123456789abcdef',
    RATE_LIMIT_AUTH_PER_MIN: '0',
    RATE_LIMIT_CHECKOUT_PER_MIN: '0',
    RATE_LIMIT_GENERAL_PER_MIN: '0',
  });
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

  // The cart read model as the projections role runs it, caught up with the set-up's stock events
  // before the test starts, so the request's events arrive live, in a transaction of their own.
  const cart = findProjection('cart');
  expect(cart.kind).toBe('redis');
  const runner = createProjectionRunner(cart, side.deps, { leaseRetryMs: 50 });
  runner.start();
  const head = await store.headPosition();
  expect(head).toBeDefined();
  expect(await runner.waitFor(head!, 20_000)).toBe(true);

  journey = {
    request: () =>
      http.request('POST', '/api/v1/cart/add', {
        token: customer.accessToken,
        body: { product_id: productId, quantity: 2 },
      }),
    async cartEvent() {
      const events = await store.readStream(`cart-${customer.userId}`);
      return events[events.length - 1]!;
    },
    async project(event) {
      expect(await runner.waitFor(event.position, 20_000)).toBe(true);
      const generation = runner.status().generation!;
      const { doc, position } = await readDoc<CartState>(
        redis,
        redisPrefix('cart', generation) + cartKey(customer.userId),
      );
      return { doc, position: position && positionToString(position) };
    },
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
    await runner.stop();
    await consumer.disconnect();
    await sink.close();
    await admin_.deleteTopics({ topics: Object.values(topics) }).catch(() => {});
    await admin_.disconnect();
    await http.close();
    await side.close();
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
  it('POST /cart/add → command → decide → append (traceparent in metadata) → cart runner batch → linked projection → linked publish → Kafka send', async () => {
    exporter.reset();
    const response = await journey.request();
    expect(response.status, response.text).toBe(200);
    const event = await journey.cartEvent();
    expect(event.type).toBe('ItemAddedToCart');
    const eventPosition = positionToString(event.position);

    // The runner applied the event to the real cart read model (the document carries its position).
    const cart = await journey.project(event);
    expect(cart.position).toBe(eventPosition);
    expect(cart.doc?.lines.map((line) => line.quantity)).toEqual([2]);
    // The runner wakes waitFor from inside its batch span; that span ends a moment later.
    await vi.waitFor(
      () => expect(exporter.getFinishedSpans().some((s) => s.name === 'projection.batch cart')).toBe(true),
      { timeout: 5_000, interval: 20 },
    );
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

    // The cart projection on the runner. The runner opened one `projection.batch cart` span per
    // transaction: a trace of its own, linked to the append. A cart's first add appends CartCreated
    // and ItemAddedToCart together, so they usually share that transaction, and then the Redis writer
    // takes them as a batch (redis-batch.ts), whose key-finding pass runs the traced handlers once more:
    // the event may show two `projection cart` spans. Each is a child of the batch and linked to the append.
    const batch = one(
      spans,
      (s) => s.name === 'projection.batch cart' && s.attributes['projection.to_position'] === eventPosition,
      'cart batch span ending at the event',
    );
    expect(batch.parentSpanContext).toBeUndefined();
    expect(batch.spanContext().traceId).not.toBe(traceId);
    expect(batch.attributes['projection.batch_size']).toBeGreaterThanOrEqual(1);
    expect(linksTo(batch, append)).toBe(true);
    const applies = spans.filter(
      (s) => s.name === 'projection cart' && s.attributes['event.position'] === eventPosition,
    );
    // Exactly one: the Redis batch's key-finding dry run is untraced, so it never looks like a second apply.
    expect(applies.length, 'cart projection spans for the event').toBe(1);
    for (const apply of applies) {
      expect(apply.kind).toBe(SpanKind.CONSUMER);
      expect(apply.attributes['projection.name']).toBe('cart');
      expect(apply.attributes['event.type']).toBe('ItemAddedToCart');
      expect(apply.spanContext().traceId).toBe(batch.spanContext().traceId);
      expect(parentOf(apply)).toBe(batch.spanContext().spanId);
      expect(linksTo(apply, append)).toBe(true);
    }

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
