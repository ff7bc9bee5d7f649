import { randomBytes, randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  integrationEvents,
  integrationSchemaVersions,
  privateDomainEvents,
  publishedSchema,
  toIntegrationEvents,
  topicNames,
} from '../../application/integration-events/index.ts';
import { sampleDomainEvents } from '../../application/integration-events/sample-domain-events.ts';
import { kafkaTestBrokers } from '../../infra/kafka/test-brokers.ts';
import { createMetrics as createShopMetrics } from '../../infra/telemetry/index.ts';
import { createReadSideForTest, type ReadSideForTest } from '../test-support.ts';
import { createKafkaPublisher, type KafkaPublisher } from './publisher.ts';
import {
  allTopics,
  dedupe,
  readTopics,
  scanAndDeleteTopics,
  testKafka,
  testTopicPrefix,
} from './test-support.ts';

// The publisher on the shared test broker, with topics of this file's own (prefix) and its own database.
let side: ReadSideForTest;
let kafka: Kafka;
let admin: Admin;
let publisher: KafkaPublisher;
const prefix = testTopicPrefix('pub');
const topics = topicNames(prefix);
const shopMetrics = createShopMetrics({ runtime: false });

beforeAll(async () => {
  side = await createReadSideForTest('kafka_publisher');
  kafka = testKafka(kafkaTestBrokers(), side.logger);
  admin = kafka.admin();
  await admin.connect();
  publisher = createKafkaPublisher({
    brokers: kafkaTestBrokers(),
    deps: { ...side.deps, metrics: shopMetrics },
    topicPrefix: prefix,
    partitions: 3,
    lagSampleMs: 100,
  });
  publisher.start();
  await publisher.started;
});

afterAll(async () => {
  await publisher?.stop();
  // Every message this file produced is scanned for secrets before its topics go.
  const scan = await scanAndDeleteTopics(kafka, admin, prefix);
  await admin.disconnect();
  await side.close();
  expect(scan.scanned).toBeGreaterThan(10_000);
  expect(scan.secrets).toEqual([]);
});

it('creates the four topics with the configured partitions', async () => {
  const { topics: meta } = await admin.fetchTopicMetadata({ topics: allTopics(topics) });
  expect(meta.map((t) => [t.name, t.partitions.length]).sort()).toEqual(
    allTopics(topics)
      .map((t) => [t, 3])
      .sort(),
  );
});

it('publishes every mapped event on its topic, keyed by aggregate id, with headers, valid by its schema', async () => {
  const suffix = randomBytes(4).toString('hex');
  const samples = sampleDomainEvents(suffix);
  let head: Awaited<ReturnType<typeof side.store.appendToStream>> | undefined;
  const appended = [];
  for (const sample of samples) {
    const id = randomUUID();
    head = await side.store.appendToStream(
      sample.stream,
      [{ id, type: sample.type, data: sample.data, metadata: sample.metadata }],
      { expectedRevision: 'any' },
    );
    const [recorded] = await side.store.readStream(sample.stream, { direction: 'backwards', maxCount: 1 });
    appended.push({ sample, recorded: recorded! });
  }
  expect(await publisher.waitFor(head!.position, 30_000)).toBe(true);

  const messages = (await readTopics(kafka, allTopics(topics))).filter((m) => String(m.key).endsWith(suffix));
  const expected = appended.flatMap(({ recorded }) =>
    toIntegrationEvents(recorded).map((e) => ({ e, recorded })),
  );
  expect(expected.length).toBeGreaterThan(25);
  const { unique } = dedupe(messages);
  expect(unique).toHaveLength(expected.length);
  for (const { e, recorded } of expected) {
    const got = unique.find((m) => m.headers.event_id === e.value.event_id);
    expect(got, e.type).toBeDefined();
    expect(got!.topic).toBe(topics[e.topic]);
    expect(got!.key).toBe(recorded.streamName.slice(recorded.streamName.indexOf('-') + 1));
    expect(got!.headers).toEqual({
      event_id: e.value.event_id,
      event_type: e.type,
      // OrderPlaced is at version 2 (docs/pricing.md), OrderCancelled too (without its reason).
      schema_version: String(integrationSchemaVersions[e.type] ?? 1),
      correlation_id: recorded.metadata.correlation_id,
      traceparent: recorded.metadata.traceparent,
    });
    expect(integrationEvents[e.type].schema.safeParse(got!.value).error).toBeUndefined();
    expect(got!.value).toEqual(e.value);
  }
  // Nothing of a private event type left.
  const privateIds = appended.filter(({ sample }) => privateDomainEvents[sample.type]).length;
  expect(privateIds).toBeGreaterThan(0);
  expect(publisher.ready().ok).toBe(true);
});

it('publishes variant lines and variant stock with variant_id and sku, plain lines without', async () => {
  const suffix = randomBytes(4).toString('hex');
  const product = `prd_v${suffix}`;
  const variant = `var_m${suffix}`;
  const user = `usr_v${suffix}`;
  const owner = { cart_id: `cart_v${suffix}`, user_id: user };
  const at = '2026-03-01T12:00:00.000Z';
  const line = { cart_item_id: `item_v${suffix}`, product_id: product };
  const events = [
    {
      stream: `stock-${product}~${variant}`,
      type: 'StockReserved',
      data: {
        schema_version: 2,
        product_id: product,
        variant_id: variant,
        reservation_id: `rsv_v${suffix}`,
        quantity: 2,
        on_hand: 10,
        reserved: 2,
        expires_at: at,
      },
    },
    {
      stream: `cart-${user}`,
      type: 'ItemAddedToCart',
      data: {
        ...owner,
        ...line,
        schema_version: 2,
        variant_id: variant,
        sku: 'TEE-M',
        variant_options: { size: 'M' },
        product_name: 'Tee',
        image: null,
        unit_price: 2500,
        currency: 'USD',
        quantity: 2,
        line_quantity: 2,
        added_at: at,
      },
    },
    {
      stream: `cart-${user}`,
      type: 'CartItemRemoved',
      data: {
        ...owner,
        ...line,
        schema_version: 2,
        variant_id: variant,
        sku: 'TEE-M',
        quantity: 2,
        removed_at: at,
      },
    },
    {
      stream: `cart-${user}`,
      type: 'CartItemRemoved',
      data: { ...owner, ...line, schema_version: 1, quantity: 1, removed_at: at },
    },
  ];
  let head: Awaited<ReturnType<typeof side.store.appendToStream>> | undefined;
  for (const event of events)
    head = await side.store.appendToStream(
      event.stream,
      [{ id: randomUUID(), type: event.type, data: event.data, metadata: { correlation_id: randomUUID() } }],
      { expectedRevision: 'any' },
    );
  expect(await publisher.waitFor(head!.position, 30_000)).toBe(true);
  const { unique } = dedupe(
    (await readTopics(kafka, allTopics(topics))).filter((m) => String(m.key).endsWith(suffix)),
  );
  const of = (type: string) => unique.filter((m) => m.headers.event_type === type).map((m) => m.value);
  // A fact naming a variant goes at its type's next version (OrderPlaced 3, the others 2); the version
  // before it would refuse the variant's fields. A plain line keeps version 1, field for field.
  for (const m of unique) {
    const type = String(m.headers.event_type);
    const value = m.value as { schema_version: number; variant_id?: string };
    expect(m.headers.schema_version, type).toBe(String(value.schema_version));
    expect(value.schema_version, type).toBe(value.variant_id === undefined ? 1 : 2);
    expect(publishedSchema(type, value.schema_version)?.safeParse(value).error, type).toBeUndefined();
    if (value.variant_id !== undefined)
      expect(publishedSchema(type, 1)?.safeParse({ ...value, schema_version: 1 }).success, type).toBe(false);
  }
  expect(of('StockReserved')).toEqual([
    expect.objectContaining({ product_id: product, variant_id: variant }),
  ]);
  expect(of('StockLevelChanged')).toEqual([
    expect.objectContaining({ variant_id: variant, reason: 'reserved', available: 8 }),
  ]);
  expect(of('ItemAddedToCart')).toEqual([
    expect.objectContaining({ variant_id: variant, sku: 'TEE-M', variant_options: { size: 'M' } }),
  ]);
  const removed = of('ItemRemovedFromCart');
  expect(removed).toHaveLength(2);
  expect(removed[0]).toMatchObject({ variant_id: variant, sku: 'TEE-M', quantity: 2 });
  expect(removed[1]).not.toHaveProperty('variant_id');
});

describe('per-key order', () => {
  it('holds across 10,000 events from 100 aggregates on a 3-partition topic', async () => {
    const run = randomBytes(3).toString('hex');
    const products = Array.from({ length: 100 }, (_, i) => `prd_${run}_${i}`);
    const perRound = 10; // events per aggregate per append: 10 rounds interleave the aggregates in the log
    let head: Awaited<ReturnType<typeof side.store.appendToStream>> | undefined;
    for (let round = 0; round < 100 / perRound; round += 1) {
      const appends = products.map((product) =>
        side.store.appendToStream(
          `product-${product}`,
          Array.from({ length: perRound }, (_, k) => {
            const n = round * perRound + k;
            return {
              id: randomUUID(),
              type: 'PriceChanged',
              data: {
                schema_version: 1,
                product_id: product,
                old_price: 1000 + n,
                new_price: 1001 + n,
                currency: 'EUR',
                changed_at: '2026-03-01T12:00:00.000Z',
              },
            };
          }),
          { expectedRevision: 'any' },
        ),
      );
      for (const result of await Promise.all(appends)) {
        if (!head || result.position.commit > head.position.commit) head = result;
      }
    }
    expect(await publisher.waitFor(head!.position, 45_000)).toBe(true);

    const messages = (await readTopics(kafka, [topics.catalog])).filter((m) =>
      String(m.key).startsWith(`prd_${run}_`),
    );
    const { unique } = dedupe(messages);
    expect(unique).toHaveLength(10_000);
    const partitionsUsed = new Set(unique.map((m) => m.partition));
    expect(partitionsUsed.size).toBe(3);
    const byKey = new Map<string, number[]>();
    for (const m of unique) {
      const prices = byKey.get(m.key!) ?? [];
      prices.push((m.value as { new_price: number }).new_price);
      byKey.set(m.key!, prices);
    }
    expect(byKey.size).toBe(100);
    for (const [key, prices] of byKey) {
      expect(prices, key).toEqual(Array.from({ length: 100 }, (_, n) => 1001 + n));
    }
  }, 120_000);
});

it('parks an event it cannot map (dead letter, counted) and publishes the ones around it', async () => {
  const run = randomBytes(3).toString('hex');
  const order = `ord_${run}`;
  const shipped = (tracking: unknown) => ({
    id: randomUUID(),
    type: 'OrderShipped',
    data: {
      schema_version: 1,
      order_id: order,
      tracking_number: tracking,
      shipped_at: '2026-03-01T12:00:00.000Z',
    },
  });
  const bad = shipped(42); // not a string: the public schema refuses it
  await side.store.appendToStream(`order-${order}`, [shipped('TRK-1'), bad], { expectedRevision: 'any' });
  const { position } = await side.store.appendToStream(`order-${order}`, [shipped('TRK-2')], {
    expectedRevision: 'any',
  });
  expect(await publisher.waitFor(position, 30_000)).toBe(true);

  const published = (await readTopics(kafka, [topics.order])).filter((m) => m.key === order);
  expect(
    dedupe(published).unique.map((m) => (m.value as { tracking_number: string }).tracking_number),
  ).toEqual(['TRK-1', 'TRK-2']);
  const parked = await side.db
    .selectFrom('projection_dead_letters')
    .select(['event_id', 'event_type', 'projection'])
    .where('event_id', '=', bad.id)
    .execute();
  expect(parked).toEqual([{ event_id: bad.id, event_type: 'OrderShipped', projection: 'kafka_publisher' }]);
  expect(publisher.status().parked).toBe(1);
});

it('samples its lag into the metrics (kafka_publish_lag_*, projection_lag) and is ready', async () => {
  const head = await side.store.headPosition();
  expect(head).toBeDefined();
  expect(await publisher.waitFor(head!, 30_000)).toBe(true);
  const lag = async () =>
    (await shopMetrics.projectionLagEvents.get()).values.find(
      (v) => v.labels.projection === 'kafka_publisher',
    );
  await expect.poll(async () => (await lag())?.value, { timeout: 10_000, interval: 100 }).toBe(0);
  expect((await shopMetrics.kafkaLagEvents.get()).values[0]?.value).toBe(0);
  expect(await shopMetrics.render()).toMatch(/^kafka_publish_lag_seconds \d/m);
  expect(publisher.ready().ok).toBe(true);
});
