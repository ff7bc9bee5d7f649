import { readFileSync } from 'node:fs';
import type { CommandHandler } from '../../application/commands/command-handler.ts';
import { listReservations, type StockState } from '../../domain/inventory/stock.ts';
import type { Decider } from '../../domain/shared/decider.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';

/** One event of a frozen fixture log, as checked in (test/fixtures/log-v*.jsonl). */
export type FrozenEvent = {
  stream: string;
  revision: number;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  event_id: string;
};

export const readFrozenLog = (url: URL): FrozenEvent[] =>
  readFileSync(url, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));

/** Appends the log as it was written: same ids, same revisions, in its order. */
export async function appendFrozenLog(store: EventStore, log: readonly FrozenEvent[]) {
  for (const event of log)
    await store.appendToStream(
      event.stream,
      [{ id: event.event_id, type: event.type, data: event.data, metadata: event.metadata }],
      { expectedRevision: event.revision === 0 ? 'no_stream' : BigInt(event.revision - 1) },
    );
}

export const streamCategory = (stream: string) => stream.slice(0, stream.indexOf('-'));

/**
 * Every stream of the log loaded through the command handler with its category's decider: the states
 * by stream, as JSON for a file snapshot. Stock keeps its reservations in buckets since the compaction
 * (domain/inventory/reservation-book.ts): the snapshot holds what they hold, as the flat record it held
 * before, sorted by id. Maps and Sets are written as objects and arrays.
 */
export async function foldFrozenLog(
  handler: CommandHandler,
  log: readonly FrozenEvent[],
  // biome-ignore lint/suspicious/noExplicitAny: deciders of different aggregates, folded alike
  deciders: Record<string, Decider<any, any, any>>,
): Promise<string> {
  const streams = [...new Set(log.map((e) => e.stream))].sort();
  const states: Record<string, unknown> = {};
  for (const stream of streams) {
    const decider = deciders[streamCategory(stream)];
    if (!decider) throw new Error(`no decider for ${stream}`);
    const loaded = await handler.load(decider, stream);
    const state =
      streamCategory(stream) === 'stock'
        ? {
            ...(loaded.state as StockState),
            reservations: Object.fromEntries(
              Object.entries(listReservations((loaded.state as StockState).reservations)).sort(([a], [b]) =>
                a < b ? -1 : 1,
              ),
            ),
          }
        : loaded.state;
    states[stream] = { revision: String(loaded.revision), state };
  }
  return JSON.stringify(
    states,
    (_key, value) =>
      value instanceof Map ? Object.fromEntries(value) : value instanceof Set ? [...value] : value,
    1,
  );
}
