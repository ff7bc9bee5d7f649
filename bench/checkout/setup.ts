import type { CheckoutDeps } from '../../application/checkout/checkout-deps.ts';
import { createStockWriter, directStockWriter } from '../../application/checkout/stock-writer.ts';
import type { CheckoutWorld } from '../../application/checkout/test-support.ts';
import { createCommandHandler } from '../../application/commands/command-handler.ts';
import { VersionConflict } from '../../infra/eventstore/errors.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';

/** Counts appends and version conflicts (each conflict is one retry of the command handler). */
export function countingStore(store: EventStore) {
  const counts = { appends: 0, conflicts: 0 };
  const wrapped: EventStore = {
    appendToStream: async (stream, events, options) => {
      counts.appends += 1;
      try {
        return await store.appendToStream(stream, events, options);
      } catch (error) {
        if (error instanceof VersionConflict) counts.conflicts += 1;
        throw error;
      }
    },
    readStream: (stream, options) => store.readStream(stream, options),
    readAll: (options) => store.readAll(options),
    subscribeToAll: (options) => store.subscribeToAll(options),
    headPosition: () => store.headPosition(),
    close: () => store.close(),
  };
  return { store: wrapped, counts };
}

/** Checkout dependencies over a counting store; `batched: false` sends each stock command alone, so buyers race. */
export function benchDeps(world: CheckoutWorld, options: { batched: boolean }) {
  const { store, counts } = countingStore(world.store);
  const handler = createCommandHandler({ store, logger: world.logger, clock: world.clock, maxRetries: 200 });
  const deps: CheckoutDeps = {
    ...world.services.deps,
    store,
    handler,
    stock: options.batched
      ? createStockWriter({ store, handler, clock: world.clock })
      : directStockWriter(handler),
  };
  return { deps, counts };
}

export const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
