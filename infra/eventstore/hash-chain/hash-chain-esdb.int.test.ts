import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEsdbEventStore } from '../esdb/esdb-store.ts';
import { type EsdbTestDouble, startEsdbTestDouble } from '../esdb-test-double/server.ts';
import type { EventStore } from '../port.ts';
import { verifyChains } from './verify-chain.ts';
import { withHashChain } from './with-hash-chain.ts';

// The chain must survive the EventStoreDB adapter's round trip of data and metadata too (here through the
// gRPC test double that speaks its protocol; a real server runs the same code).
describe('withHashChain on the EventStoreDB adapter (gRPC test double)', () => {
  let double: EsdbTestDouble;
  let raw: EventStore;
  beforeAll(async () => {
    double = await startEsdbTestDouble();
    raw = createEsdbEventStore({ connectionString: double.connectionString });
  });
  afterAll(async () => {
    await raw.close();
    await double.stop();
  });

  it('chains appends of every expected-revision kind, and verify finds every chain whole', async () => {
    const store = withHashChain(raw);
    const event = (n: number) => ({
      id: randomUUID(),
      type: 'Counted',
      data: { schema_version: 1, n, nested: { z: [1, { b: 2, a: 1 }], a: 'é' } },
      metadata: { correlation_id: `c-${n}`, occurred_at: '2026-01-15T10:00:00.000Z' },
    });
    await store.appendToStream('counter-1', [event(0), event(1)], { expectedRevision: 'no_stream' });
    await store.appendToStream('counter-1', [event(2)], { expectedRevision: 1n });
    await store.appendToStream('counter-1', [event(3)]);
    await Promise.all(
      Array.from({ length: 6 }, (_, i) => store.appendToStream(`counter-${i % 2}`, [event(10 + i)])),
    );
    const result = await verifyChains(raw);
    expect(result.breaks).toEqual([]);
    expect(result.events).toBe(10);
  });
});
