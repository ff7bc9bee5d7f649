import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkpointChannel } from '../application/projection-runner/checkpoint-channel.ts';
import { replay } from '../bin/replay.ts';
import { comparePositions, positionToString } from '../infra/eventstore/position.ts';
import { deploymentRedisPrefix } from '../infra/redis/prefix.ts';
import { catalogProjection } from '../projections/catalog/catalog-projection.ts';
import { inventoryProjection } from '../projections/inventory/inventory-projection.ts';
import { createProjectionService, type ProjectionService } from '../projections/service.ts';
import {
  appendEvent,
  createReadSideForTest,
  productListedData,
  type ReadSideForTest,
} from '../projections/test-support.ts';
import { variantsProjection } from '../projections/variants/variants-projection.ts';
import { answer, queryClient } from '../test/api-client/clients.ts';
import { assertErrorBody } from '../test/support/http.ts';
import { startQueryApiForTest } from './test-support.ts';

/**
 * Two deployments (each its own database, projections and query API) on ONE Redis server, each with the
 * key prefix production derives from its database name (REDIS_PREFIX unset). Issue 12: a replay in one
 * must change nothing in the other, and one's positions must never satisfy the other's tokens.
 */
const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 15_000, interval: 50 });

type Deployment = {
  side: ReadSideForTest;
  service: ProjectionService;
  api: Awaited<ReturnType<typeof startQueryApiForTest>>;
};
// A product's detail reads its variants too (none here): the variants read model must be served.
const projections = [catalogProjection, inventoryProjection, variantsProjection];
let a: Deployment;
let b: Deployment;

const deploy = async (label: string): Promise<Deployment> => {
  const side = await createReadSideForTest(label, {
    keyPrefix: (url) => deploymentRedisPrefix({ DATABASE_URL: url }),
  });
  const service = createProjectionService(side.deps, { projections, leaseRetryMs: 50, heartbeatMs: 100 });
  service.start();
  const head = await appendEvent(
    side.store,
    `product-prd_${label}`,
    'ProductListed',
    productListedData(`prd_${label}`),
  );
  expect(await service.waitFor(head!, 20_000)).toBe(true);
  const api = await startQueryApiForTest(side, {
    consistencyWaitMs: 300,
    readModels: ['catalog', 'inventory', 'variants'],
  });
  return { side, service, api };
};

// /ready is an operations endpoint outside the OpenAPI document (docs/api.md), so it is read raw.
const ready = async (d: Deployment) => (await d.api.http.request('GET', '/ready')).body;
/** A product's detail through the client generated from docs/openapi/query-api.json (response-check.ts). */
const product = (d: Deployment, product_id: string, consistency?: string) =>
  answer(
    queryClient(d.api.http.url).GET('/api/v1/products/{product_id}', {
      params: { path: { product_id } },
      headers: consistency ? { 'X-Consistency-Token': consistency } : {},
    }),
  );

beforeAll(async () => {
  a = await deploy('a');
  b = await deploy('b');
});

afterAll(async () => {
  for (const d of [a, b]) {
    await d?.api.close();
    await d?.service.stop();
    await d?.side.close();
  }
});

describe('two deployments on one Redis server', () => {
  it('have distinct prefixes derived from their database names, channels included', () => {
    expect(a.side.redis.options.keyPrefix).toBe(`${a.side.database.name}:`);
    expect(checkpointChannel(a.side.redis)).not.toBe(checkpointChannel(b.side.redis));
  });

  it('a replay in one changes nothing in the other', async () => {
    const before = await ready(a);
    expect(before.projections.catalog.generation).toBe(1);
    const reports = await replay(b.side.deps, { names: ['catalog'], dryRun: false, resume: false });
    expect(reports[0]).toMatchObject({ projection: 'catalog' });
    await eventually(async () => expect((await ready(b)).projections.catalog.generation).toBe(2));
    // B's runner and API have moved; A still serves generation 1, at its own position, and answers reads.
    const after = await ready(a);
    expect(after.projections.catalog).toMatchObject({
      generation: 1,
      position: before.projections.catalog.position,
    });
    expect(a.api.api.watcher.state('catalog')?.generation).toBe(1);
    expect((await product(a, 'prd_a')).status).toBe(200);
    expect((await product(b, 'prd_b')).status).toBe(200);
  });

  it('a watcher never switches to a generation its own database does not list, even on its own channel', async () => {
    await a.side.redis.publish(
      checkpointChannel(a.side.redis),
      JSON.stringify({ projection: 'catalog', generation: 7, position: '999999999.999999999' }),
    );
    // A message for the generation it does serve, sent after: once it is handled, the forged one was too.
    const own = a.api.api.watcher.state('catalog')!;
    await a.side.redis.publish(
      checkpointChannel(a.side.redis),
      JSON.stringify({ projection: 'catalog', generation: own.generation, position: null }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(a.api.api.watcher.state('catalog')?.generation).toBe(1);
    expect((await product(a, 'prd_a')).status).toBe(200);
  });

  it("one deployment's token is never satisfied by the other's position", async () => {
    await a.service.stop(); // A's projections stand still: only B's progress could satisfy A's token
    const token = (await appendEvent(
      a.side.store,
      'product-prd_a2',
      'ProductListed',
      productListedData('prd_a2'),
    ))!;
    let bHead = token;
    for (let i = 0; i < 5; i += 1)
      bHead = (await appendEvent(
        b.side.store,
        `product-prd_b${i}`,
        'ProductListed',
        productListedData(`prd_b${i}`),
      ))!;
    expect(comparePositions(bHead, token)).toBeGreaterThan(0);
    expect(await b.service.waitFor(bHead, 20_000)).toBe(true);
    await eventually(() => {
      const at = b.api.api.watcher.state('catalog')?.position;
      expect(at && comparePositions(at, token) > 0).toBe(true);
    });
    const read = await product(a, 'prd_a2', positionToString(token));
    assertErrorBody(read, 503, 'SYS_5002');
    const at = a.api.api.watcher.state('catalog')?.position;
    expect(at && comparePositions(at, token) >= 0).toBe(false);
    // B's own token is served by B.
    const own = await product(b, 'prd_b4', positionToString(bHead));
    expect(own.status).toBe(200);
  });
});
