import { randomUUID } from 'node:crypto';
import { privateDomainEvents } from '../../application/integration-events/index.ts';
import { sampleDomainEvents } from '../../application/integration-events/sample-domain-events.ts';
import type { EventStore, RecordedEvent } from '../../infra/eventstore/port.ts';
import type { Position } from '../../infra/eventstore/position.ts';

/**
 * Appends about `count` published domain events: the sample of every mapped type (orders, stock,
 * catalog, carts, users), over many aggregates, one append per stream, `concurrency` appends at a time.
 */
export async function fillStore(store: EventStore, count: number, concurrency = 8): Promise<number> {
  let appended = 0;
  let next = 0;
  const worker = async () => {
    while (appended < count) {
      const suffix = `b${next++}`;
      const byStream = new Map<string, ReturnType<typeof sampleDomainEvents>>();
      for (const sample of sampleDomainEvents(suffix)) {
        if (privateDomainEvents[sample.type]) continue;
        byStream.set(sample.stream, [...(byStream.get(sample.stream) ?? []), sample]);
      }
      for (const [stream, samples] of byStream) {
        await store.appendToStream(
          stream,
          samples.map((s) => ({ id: randomUUID(), type: s.type, data: s.data, metadata: s.metadata })),
          { expectedRevision: 'any' },
        );
        appended += samples.length;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return appended;
}

/** Every event of the log in pages, as the publisher reads them. */
export async function* readLog(store: EventStore, pageSize: number): AsyncGenerator<RecordedEvent[]> {
  let after: Position | undefined;
  for (;;) {
    const page = await store.readAll({ ...(after ? { after } : {}), maxCount: pageSize });
    if (page.events.length > 0) yield page.events;
    if (page.isEnd || page.events.length === 0) return;
    after = page.next;
  }
}
