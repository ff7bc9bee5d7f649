import type { EventStore, RecordedEvent } from '../../infra/eventstore/port.ts';
import { createFixtureWriter, type Line } from '../orders/test-events.ts';
import { productListedData } from '../test-support.ts';

/**
 * A random recommendations log as the fixture writer shapes it, kept in memory: listings, category
 * changes, cart adds, orders placed, confirmed and cancelled (pending or confirmed), and now and then an
 * earlier event delivered again (its stream's guard must skip it). `pick(n)` gives 0..n-1.
 */
export async function recommendationsLog(pick: (n: number) => number, count: number) {
  const log: RecordedEvent[] = [];
  const revisions = new Map<string, bigint>();
  const record = (streamName: string, type: string, data: Record<string, unknown>) => {
    const revision = (revisions.get(streamName) ?? -1n) + 1n;
    revisions.set(streamName, revision);
    const n = BigInt(log.length + 1);
    log.push({
      id: `e${log.length}`,
      type,
      streamName,
      revision,
      position: { commit: n, prepare: n },
      data,
      metadata: {},
      recordedAt: new Date(Date.UTC(2026, 0, 15, 10, 0, log.length)),
    });
  };
  const store = {
    appendToStream: async (stream: string, events: { type: string; data: Record<string, unknown> }[]) => {
      for (const e of events) record(stream, e.type, e.data);
      return { position: undefined };
    },
  } as unknown as EventStore;
  const w = createFixtureWriter(store);
  const product = () => `prd_${pick(8)}`;
  const line = (): Line => ({ product: product(), quantity: 1 + pick(3), price: 1_000 });
  const orders: { id: string; confirmed: boolean; cancelled: boolean }[] = [];
  for (let i = 0; i < count; i += 1) {
    const p = product();
    switch (pick(8)) {
      case 0:
        record(`product-${p}`, 'ProductListed', productListedData(p, { category: `Cat ${pick(3)}` }));
        break;
      case 1:
        record(`product-${p}`, 'ProductDetailsChanged', {
          schema_version: 1,
          product_id: p,
          changes: pick(2) ? { category: `Cat ${pick(3)}` } : { name: `Renamed ${i}` },
          changed_at: '2026-01-15T10:00:00.000Z',
        });
        break;
      case 2:
      case 3:
        await w.addToCart(`usr_${pick(4)}`, `item_${i}`, line());
        break;
      case 4: {
        const id = `ord_${i}`;
        await w.placeOrder(id, `usr_${pick(4)}`, Array.from({ length: 1 + pick(3) }, line));
        orders.push({ id, confirmed: false, cancelled: false });
        break;
      }
      case 5:
      case 6: {
        const order = orders[pick(orders.length)];
        if (!order || order.cancelled) break;
        if (!order.confirmed && pick(3) > 0) {
          order.confirmed = true;
          await w.confirmOrder(order.id, 1_000);
        } else {
          order.cancelled = true;
          await w.cancelOrder(order.id, 'usr_1', order.confirmed ? 'confirmed' : 'pending', 0);
        }
        break;
      }
      default: {
        const again = log[pick(log.length)];
        if (again)
          log.push({
            ...again,
            id: `e${log.length}`,
            position: { commit: BigInt(log.length + 1), prepare: BigInt(log.length + 1) },
          });
      }
    }
  }
  return log;
}
