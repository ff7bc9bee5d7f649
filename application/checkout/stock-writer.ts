import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { StockCommand } from '../../domain/inventory/commands.ts';
import type { StockEvent } from '../../domain/inventory/events.ts';
import { available, type StockState, stockDecider, stockStream } from '../../domain/inventory/stock.ts';
import type { ProductId, VariantId } from '../../domain/shared/ids.ts';
import { VersionConflict } from '../../infra/eventstore/errors.ts';
import type { EventStore, EventToAppend } from '../../infra/eventstore/port.ts';
import type { CommandHandler } from '../commands/command-handler.ts';
import { eventToAppend } from '../commands/event-to-append.ts';
import type { CommandMetadata } from '../commands/metadata.ts';
import { stepEventIds } from './event-ids.ts';

type Pending = {
  command: StockCommand;
  metadata: CommandMetadata;
  /** Names the command's events for deterministic ids (a retried step appends the same ids). */
  idName: string | undefined;
  resolve: (events: StockEvent[]) => void;
  reject: (error: unknown) => void;
};

export type StockWriter = {
  /** Decides and appends one stock command; resolves with the events it decided (none for a repeat). */
  execute(command: StockCommand, metadata: CommandMetadata, idName?: string): Promise<StockEvent[]>;
  /** Units available as this writer last saw the item (read when it has not seen it): for messages only. */
  available(productId: ProductId, variantId?: VariantId): Promise<number>;
};

/**
 * Every stock command of this process goes through here. Commands for one stock item queue, and the
 * queue is decided as a batch: one load, `decide` for each command in arrival order over the state the
 * previous ones left (each keeps its own outcome: a short reservation is refused alone), and one append
 * of all their events at the revision read. A hot product then costs one round trip per batch instead of
 * one per buyer, and buyers in this process never collide on its revision; a conflict with another
 * process re-decides the whole batch on fresh state. The invariants stay the decider's.
 */
export function createStockWriter(options: {
  store: EventStore;
  handler: CommandHandler;
  clock: () => Date;
  maxBatch?: number;
  maxRetries?: number;
  /** Stock items whose state is remembered between batches (default 10,000). */
  maxKnown?: number;
}): StockWriter {
  const { store, handler, clock } = options;
  const maxBatch = options.maxBatch ?? 256;
  const maxRetries = options.maxRetries ?? 50;
  const queues = new Map<string, Pending[]>();

  // The state this writer left each stock item in: the next batch decides on it and appends at its
  // revision without reading first. Anyone else's write shows up as a conflict, and then it reads; a batch
  // that appends nothing meets no conflict, so its refusals are only trusted on a fresh read.
  // Bounded like the command handler's state cache: a process touching a large catalogue keeps the items
  // it used last; a forgotten one is read again.
  const known = new LRUCache<string, { state: StockState; revision: bigint | undefined }>({
    max: options.maxKnown ?? 10_000,
  });

  async function decideBatch(stream: string, batch: Pending[]) {
    for (let attempt = 0; ; attempt++) {
      const cached = known.get(stream);
      const { state: loaded, revision } = cached ?? (await handler.load(stockDecider, stream));
      let state = loaded;
      const outcomes: ({ events: StockEvent[] } | { error: unknown })[] = [];
      const toAppend: EventToAppend[] = [];
      const occurredAt = clock();
      for (const pending of batch) {
        try {
          const decided = stockDecider.decide(pending.command, state);
          const ids = pending.idName ? stepEventIds(pending.idName) : () => randomUUID();
          // Built (and checked) before the state moves: a refused event fails this command alone.
          const appends = decided.map((event, index) =>
            eventToAppend(event, pending.metadata, occurredAt, ids(index)),
          );
          state = decided.reduce(stockDecider.evolve, state);
          toAppend.push(...appends);
          outcomes.push({ events: decided });
        } catch (error) {
          outcomes.push({ error });
        }
      }
      if (toAppend.length === 0) {
        // Nothing appended, so nothing checked the remembered state against the stream: a refusal decided
        // on it (sold out here, restocked through another path since) is decided again on a fresh read.
        if (cached && outcomes.some((outcome) => 'error' in outcome)) {
          known.delete(stream);
          continue;
        }
        known.set(stream, { state, revision });
      } else {
        try {
          const appended = await store.appendToStream(stream, toAppend, {
            expectedRevision: revision === undefined ? 'no_stream' : revision,
          });
          known.set(stream, { state, revision: appended.nextExpectedRevision });
        } catch (error) {
          known.delete(stream);
          if (error instanceof VersionConflict && attempt < maxRetries) {
            await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));
            continue;
          }
          for (const pending of batch) pending.reject(error);
          return;
        }
      }
      batch.forEach((pending, index) => {
        const outcome = outcomes[index]!;
        if ('error' in outcome) pending.reject(outcome.error);
        else pending.resolve(outcome.events);
      });
      return;
    }
  }

  async function drain(stream: string) {
    const queue = queues.get(stream)!;
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatch);
        try {
          await decideBatch(stream, batch);
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      queues.delete(stream);
    }
  }

  return {
    async available(productId, variantId) {
      const stream = stockStream(productId, variantId);
      const { state } = known.get(stream) ?? (await handler.load(stockDecider, stream));
      return Math.max(0, available(state));
    },
    execute(command, metadata, idName) {
      const stream = stockStream(command.data.productId as ProductId, command.data.variantId);
      // Decided in a batch, not by handler.handle: counted (commands_total) through handler.track.
      return handler.track(
        command.type,
        () =>
          new Promise<StockEvent[]>((resolve, reject) => {
            const pending = { command, metadata, idName, resolve, reject };
            const queue = queues.get(stream);
            if (queue) queue.push(pending);
            else {
              queues.set(stream, [pending]);
              void drain(stream);
            }
          }),
        (events) => events.length > 0,
      );
    },
  };
}

/** One command, one load and append through the command handler: buyers of a hot product race (benchmarks). */
export function directStockWriter(handler: CommandHandler): StockWriter {
  return {
    async execute(command, metadata, idName) {
      const result = await handler.handle({
        decider: stockDecider,
        stream: stockStream(command.data.productId as ProductId, command.data.variantId),
        command,
        metadata,
        ...(idName ? { eventId: stepEventIds(idName) } : {}),
      });
      return result.events.map((event) => ({ type: event.type, data: event.data }) as StockEvent);
    },
    async available(productId, variantId) {
      const { state } = await handler.load(stockDecider, stockStream(productId, variantId));
      return Math.max(0, available(state));
    },
  };
}
