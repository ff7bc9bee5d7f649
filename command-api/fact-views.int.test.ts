import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandHandler } from '../application/commands/command-handler.ts';
import { available, stockDecider, stockStream } from '../domain/inventory/stock.ts';
import { DomainError, ErrorCode } from '../domain/shared/errors.ts';
import { makeId } from '../domain/shared/ids.ts';
import { VersionConflict } from '../infra/eventstore/errors.ts';
import type { EventStore, SubscriptionItem } from '../infra/eventstore/port.ts';
import { createPostgresEventStore } from '../infra/eventstore/postgres/store.ts';
import { createTestDatabase } from '../test/support/isolation.ts';
import { createFactViews, type FactViews } from './fact-views.ts';

const productId = makeId('product', 'views');
const stream = stockStream(productId);
const metadata = { correlation_id: 'req_views', user_id: 'usr_admin' };
const reserve = (buyer: string) => ({
  type: 'ReserveStock' as const,
  data: {
    productId,
    reservationId: makeId('reservation', buyer),
    quantity: 1,
    expiresAt: '2026-01-15T10:15:00.000Z',
    now: '2026-01-15T10:00:00.000Z',
  },
});

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let store: EventStore;
let views: FactViews;
/** Holds the views' subscription after its first catch-up: a view lagging as far behind as we like. */
let releaseSubscription: () => void = () => {};
let subscriptionHeld = false;

beforeAll(async () => {
  database = await createTestDatabase('fact_views');
  store = await createPostgresEventStore({ connectionString: database.url });
  const held = new Promise<void>((resolve) => {
    releaseSubscription = resolve;
  });
  const lagging: EventStore = {
    ...store,
    appendToStream: (...args) => store.appendToStream(...args),
    readStream: (...args) => store.readStream(...args),
    readAll: (...args) => store.readAll(...args),
    headPosition: () => store.headPosition(),
    close: () => store.close(),
    subscribeToAll: (options) =>
      (async function* (): AsyncGenerator<SubscriptionItem> {
        for await (const item of store.subscribeToAll(options)) {
          if (item.kind === 'event' && subscriptionHeld) await held;
          yield item;
        }
      })(),
  };
  const reader = createCommandHandler({ store });
  views = createFactViews({ store: lagging, load: reader.load });
  await views.ready();
});
afterAll(async () => {
  releaseSubscription();
  await views?.close();
  await store?.close();
  await database?.drop();
});

describe('fact views', () => {
  it('keeps a stream read through, folds the next event in, and a stale view lets no oversell through', async () => {
    const admin = createCommandHandler({ store });
    await admin.handle({
      decider: stockDecider,
      stream,
      command: { type: 'ReceiveStock', data: { productId, quantity: 1 } },
      metadata,
    });
    const first = await views.load(stockDecider, stream);
    expect(available(first.state)).toBe(1);
    expect(views.size).toBe(1);

    // The view lags: another instance sells the last unit, and the subscription has not delivered it.
    subscriptionHeld = true;
    const elsewhere = createCommandHandler({ store });
    await elsewhere.handle({ decider: stockDecider, stream, command: reserve('first'), metadata });
    const stale = await views.load(stockDecider, stream);
    expect({ available: available(stale.state), revision: stale.revision }).toEqual({
      available: 1,
      revision: first.revision,
    });

    // Deciding on the stale view and appending at the revision it shows: the store refuses.
    const decided = stockDecider.decide(reserve('second'), stale.state);
    expect(decided.map((event) => event.type)).toEqual(['StockReserved']);
    await expect(
      store.appendToStream(
        stream,
        decided.map((event) => ({
          id: crypto.randomUUID(),
          type: event.type,
          data: event.data as Record<string, unknown>,
          metadata,
        })),
        { expectedRevision: stale.revision as bigint },
      ),
    ).rejects.toBeInstanceOf(VersionConflict);
    // The command handler (the stock stream's own check) decides on the stream, not on the view.
    const refused = await createCommandHandler({ store })
      .handle({ decider: stockDecider, stream, command: reserve('third'), metadata })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DomainError);
    expect((refused as DomainError).code).toBe(ErrorCode.InsufficientStock);

    // Once the subscription delivers, the view folds the sale in.
    subscriptionHeld = false;
    releaseSubscription();
    for (let i = 0; i < 200; i++) {
      const now = await views.load(stockDecider, stream);
      if (now.revision !== first.revision) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const caughtUp = await views.load(stockDecider, stream);
    expect(available(caughtUp.state)).toBe(0);
    expect(caughtUp.revision).toBe((first.revision as bigint) + 1n);
    const reservations = (await store.readStream(stream)).filter((event) => event.type === 'StockReserved');
    expect(reservations).toHaveLength(1);
  });

  it("drops a stream's entry on this process's own append, so the next load reads it fresh", async () => {
    const watched = views.watch(store);
    const handler = createCommandHandler({ store: watched });
    const other = stockStream(makeId('product', 'own'));
    const otherId = makeId('product', 'own');
    await handler.handle({
      decider: stockDecider,
      stream: other,
      command: { type: 'ReceiveStock', data: { productId: otherId, quantity: 2 } },
      metadata,
    });
    expect(available((await views.load(stockDecider, other)).state)).toBe(2);
    await handler.handle({
      decider: stockDecider,
      stream: other,
      command: { type: 'ReceiveStock', data: { productId: otherId, quantity: 3 } },
      metadata,
    });
    expect(available((await views.load(stockDecider, other)).state)).toBe(5);
  });
});
