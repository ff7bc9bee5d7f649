import { createServer } from 'node:net';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { ProductViewed, topicNames } from '../application/integration-events/index.ts';
import { ensureTopics } from '../infra/kafka/client.ts';
import { kafkaTestBrokers } from '../infra/kafka/test-brokers.ts';
import { createMetrics as createShopMetrics } from '../infra/telemetry/index.ts';
import { createProductViewEmitter } from '../projections/publisher/product-view-emitter.ts';
import {
  readTopics,
  scanAndDeleteTopics,
  testKafka,
  testTopicPrefix,
} from '../projections/publisher/test-support.ts';
import { createProjectionService, type ProjectionService } from '../projections/service.ts';
import {
  appendEvent,
  createReadSideForTest,
  productListedData,
  type ReadSideForTest,
} from '../projections/test-support.ts';
import { startQueryApiForTest } from './test-support.ts';

const prefix = testTopicPrefix('qviews');
const topic = topicNames(prefix).user;
let side: ReadSideForTest;
let service: ProjectionService;
let kafka: Kafka;
let admin: Admin;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

beforeAll(async () => {
  side = await createReadSideForTest('qviews');
  service = createProjectionService(side.deps, { leaseRetryMs: 50, heartbeatMs: 100 });
  service.start();
  await appendEvent(side.store, 'product-prd_pv1', 'ProductListed', productListedData('prd_pv1'));
  kafka = testKafka(kafkaTestBrokers(), side.logger, 'query-api-views-test');
  admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [{ topic, numPartitions: 1 }]);
});

afterAll(async () => {
  await service?.stop();
  await side?.close();
  if (admin) {
    const scan = await scanAndDeleteTopics(kafka, admin, prefix);
    await admin.disconnect();
    expect(scan.secrets).toEqual([]);
  }
});

it('GET /products/{id} answered 200 emits one ProductViewed; a 404 emits none', async () => {
  const emitter = createProductViewEmitter({
    kafka,
    logger: side.logger,
    bufferSize: 100,
    topicPrefix: prefix,
  });
  const api = await startQueryApiForTest(side, { productViews: emitter });
  try {
    await vi.waitFor(
      async () => expect((await api.http.request('GET', '/api/v1/products/prd_pv1')).status).toBe(200),
      { timeout: 15_000, interval: 100 },
    );
    // The view of the wait above is one of them; these two are the ones we check.
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const known = await api.http.request('GET', '/api/v1/products/prd_pv1', {
      token: api.token('customer', 'usr_viewer'),
      headers: { traceparent },
    });
    const anonymous = await api.http.request('GET', '/api/v1/products/prd_pv1');
    expect([known.status, anonymous.status]).toEqual([200, 200]);
    expect((await api.http.request('GET', '/api/v1/products/prd_missing')).status).toBe(404);
    const requestIds = [known.headers.get('x-request-id'), anonymous.headers.get('x-request-id')];

    await vi.waitFor(() => expect(emitter.stats().buffered).toBe(0), { timeout: 15_000, interval: 50 });
    const messages = await readTopics(kafka, [topic]);
    const views = messages.map((m) => ({ value: ProductViewed.parse(m.value), headers: m.headers }));
    expect(views.every((v) => v.value.product_id === 'prd_pv1')).toBe(true);
    const byRequest = new Map(views.map((v) => [v.headers.correlation_id, v]));
    const mine = byRequest.get(requestIds[0] ?? '');
    expect(mine?.value.user_id).toBe('usr_viewer');
    expect(mine?.headers.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-/);
    expect(byRequest.get(requestIds[1] ?? '')?.value.user_id).toBeNull();
    // Exactly one view per 200 answered (none for the 404: every view above is of prd_pv1).
    for (const id of requestIds) expect(views.filter((v) => v.headers.correlation_id === id)).toHaveLength(1);
  } finally {
    await api.close();
    await emitter.close(2_000);
  }
});

it('with Kafka unreachable GET /products/{id} still answers 200 at once', async () => {
  const shopMetrics = createShopMetrics({ runtime: false });
  const dead = testKafka([`127.0.0.1:${await freePort()}`], side.logger, 'query-api-views-down');
  const emitter = createProductViewEmitter({
    kafka: dead,
    logger: side.logger,
    bufferSize: 5,
    topicPrefix: prefix,
    metrics: shopMetrics,
  });
  const api = await startQueryApiForTest(side, { productViews: emitter });
  try {
    await vi.waitFor(
      async () => expect((await api.http.request('GET', '/api/v1/products/prd_pv1')).status).toBe(200),
      { timeout: 15_000, interval: 100 },
    );
    const started = performance.now();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => api.http.request('GET', '/api/v1/products/prd_pv1')),
    );
    const elapsed = performance.now() - started;
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(elapsed).toBeLessThan(1_500);
    await vi.waitFor(() => expect(emitter.stats().dropped).toBeGreaterThan(0), { timeout: 5_000 });
    expect(emitter.stats().sent).toBe(0);
    const drops = (await shopMetrics.kafkaDropped.get()).values.find((v) => v.labels.topic === topic);
    expect(drops?.value).toBe(emitter.stats().dropped);
  } finally {
    await api.close();
    const closing = performance.now();
    await emitter.close(500);
    expect(performance.now() - closing).toBeLessThan(3_000);
  }
});

it('/ready shows the other parts of the process (the publisher): one not ok makes it degraded, still 200', async () => {
  let ok = true;
  const api = await startQueryApiForTest(side, {
    readiness: [
      { name: 'kafka_publisher', ready: () => ({ ok, status: { kafka: ok ? 'up' : 'unavailable' } }) },
    ],
  });
  try {
    await vi.waitFor(
      async () => {
        const ready = await api.http.request('GET', '/ready');
        expect(ready.status).toBe(200);
        expect(ready.body.status).toBe('ready');
        expect(ready.body.components).toEqual({ kafka_publisher: { status: 'up', detail: { kafka: 'up' } } });
      },
      { timeout: 15_000, interval: 100 },
    );
    ok = false;
    const ready = await api.http.request('GET', '/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');
    expect(ready.body.components.kafka_publisher).toMatchObject({ status: 'down' });
  } finally {
    await api.close();
  }
});
