import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeEach, expect, it } from 'vitest';
import type { PgProjection, ReadModelTrx } from '../application/projection-runner/types.ts';
import type { RecordedEvent } from '../infra/eventstore/port.ts';
import { startTelemetry } from '../infra/telemetry/sdk.ts';
import { formatTraceparent } from '../infra/telemetry/trace-context.ts';
import { cartProjection } from './cart/cart-projection.ts';
import { catalogProjection } from './catalog/catalog-projection.ts';
import { projections, traced } from './registry.ts';

const exporter = new InMemorySpanExporter();
const processor = new SimpleSpanProcessor({ exporter });
const telemetry = startTelemetry({ env: {}, spanProcessors: [processor], instrumentations: [] });
afterAll(() => telemetry.shutdown());
beforeEach(() => exporter.reset());
const spans = async (name: string) => {
  await processor.forceFlush();
  return exporter.getFinishedSpans().filter((s) => s.name === name);
};

const cause = (n: number) => `00-${'b'.repeat(32)}-${n.toString(16).padStart(16, '0')}-01`;
const event = (n: number): RecordedEvent => ({
  id: `e${n}`,
  type: 'ProductListed',
  streamName: `product-prd_${n}`,
  revision: 0n,
  position: { commit: 5n, prepare: BigInt(n) },
  data: {},
  metadata: { traceparent: cause(n) },
  recordedAt: new Date(0),
});

const stub = (): PgProjection & { applied: number; batches: number } => ({
  kind: 'postgres',
  name: 'stub',
  eventTypes: ['ProductListed'],
  ddl: () => '',
  applied: 0,
  batches: 0,
  async apply() {
    this.applied += 1;
  },
  async applyBatch() {
    this.batches += 1;
  },
});

it('every registered projection is the traced one, keeping its name and event types', () => {
  const catalog = projections.find((p) => p.name === 'catalog');
  const cart = projections.find((p) => p.name === 'cart');
  expect(catalog?.apply).not.toBe(catalogProjection.apply);
  expect(catalog?.kind === 'postgres' && catalog.applyBatch).not.toBe(catalogProjection.applyBatch);
  expect(cart?.apply).not.toBe(cartProjection.apply);
  expect(projections.map((p) => p.eventTypes)).toContainEqual(catalogProjection.eventTypes);
});

it('apply runs in a span linked to the command behind the event', async () => {
  const projection = traced(stub());
  await projection.apply(event(1), {} as ReadModelTrx, {} as never);
  const [span] = await spans('projection stub');
  expect(span?.links.map((l) => formatTraceparent(l.context))).toEqual([cause(1)]);
  expect(span?.attributes).toMatchObject({ 'projection.name': 'stub', 'event.position': '5.1' });
});

it('a set-based applyBatch runs in one span linked to the commands behind its events', async () => {
  const projection = traced(stub());
  await projection.applyBatch?.([event(1), event(2)], {} as ReadModelTrx, {} as never);
  const [span] = await spans('projection.apply_batch stub');
  expect(span?.links.map((l) => formatTraceparent(l.context))).toEqual([cause(1), cause(2)]);
  expect(span?.attributes).toMatchObject({ 'projection.batch_size': 2, 'projection.to_position': '5.2' });
});
