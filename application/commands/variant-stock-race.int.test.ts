import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryEventSchemas } from '../../domain/inventory/events.ts';
import { stockDecider, stockStream } from '../../domain/inventory/stock.ts';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { makeId } from '../../domain/shared/ids.ts';
import { VersionConflict } from '../../infra/eventstore/errors.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import { createTestDatabase } from '../../test/support/isolation.ts';
import { createCommandHandler } from './command-handler.ts';

/**
 * No oversell per variant: each variant's stock is its own stream, so 200 buyers racing for a 50-unit
 * variant contend only with each other, and its sibling's stream is never touched.
 */
const productId = makeId('product', 'tee');
const hot = makeId('variant', 'm');
const sibling = makeId('variant', 'l');
const metadata = { correlation_id: 'req_race', user_id: 'usr_admin' };
const now = '2026-01-15T10:00:00.000Z';
const expiresAt = '2026-01-15T10:15:00.000Z';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let store: EventStore;

beforeAll(async () => {
  database = await createTestDatabase('variant_stock_race');
  store = await createPostgresEventStore({ connectionString: database.url });
});
afterAll(async () => {
  await store?.close();
  await database?.drop();
});

describe('stock per variant under contention', () => {
  it('sells at most 50 of a 50-unit variant to 200 concurrent buyers; the sibling is untouched', async () => {
    const admin = createCommandHandler({ store });
    for (const [variantId, quantity] of [
      [hot, 50],
      [sibling, 30],
    ] as const)
      await admin.handle({
        decider: stockDecider,
        stream: stockStream(productId, variantId),
        command: { type: 'ReceiveStock', data: { productId, variantId, quantity } },
        metadata,
      });
    const siblingBefore = await store.readStream(stockStream(productId, sibling));

    // Four "instances", each with its own state cache, as several command APIs would be.
    const handlers = Array.from({ length: 4 }, () => createCommandHandler({ store, maxRetries: 400 }));
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        try {
          await handlers[i % 4]!.handle({
            decider: stockDecider,
            stream: stockStream(productId, hot),
            command: {
              type: 'ReserveStock',
              data: {
                productId,
                variantId: hot,
                reservationId: makeId('reservation', `buyer${i}`),
                quantity: 1,
                expiresAt,
                now,
              },
            },
            metadata,
          });
          return 'reserved';
        } catch (error) {
          if (error instanceof DomainError) return error.code;
          if (error instanceof VersionConflict) return 'conflict';
          throw error;
        }
      }),
    );
    const count = (what: string) => outcomes.filter((o) => o === what).length;
    expect({ reserved: count('reserved'), refused: count(ErrorCode.InsufficientStock) }).toEqual({
      reserved: 50,
      refused: 150,
    });

    const events = await store.readStream(stockStream(productId, hot));
    const reservations = events.filter((e) => e.type === 'StockReserved');
    expect(reservations).toHaveLength(50);
    for (const event of events) {
      const data = inventoryEventSchemas.StockReserved.partial().parse(event.data);
      expect(data).toMatchObject({ schema_version: 2, variant_id: hot });
      expect(data.reserved).toBeLessThanOrEqual(data.on_hand ?? 0);
    }
    const { state } = await createCommandHandler({ store }).load(stockDecider, stockStream(productId, hot));
    expect({ onHand: state.onHand, reserved: state.reserved }).toEqual({ onHand: 50, reserved: 50 });

    const siblingAfter = await store.readStream(stockStream(productId, sibling));
    expect(siblingAfter.map((e) => e.id)).toEqual(siblingBefore.map((e) => e.id));
    const siblingState = (await admin.load(stockDecider, stockStream(productId, sibling))).state;
    expect({ onHand: siblingState.onHand, reserved: siblingState.reserved }).toEqual({
      onHand: 30,
      reserved: 0,
    });
  });
});
