import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { DomainError } from '../shared/errors.ts';
import { makeId } from '../shared/ids.ts';
import type { StockCommand } from './commands.ts';
import { inventoryEventSchemas, type StockEvent } from './events.ts';
import { listReservations, type StockState, stockDecider } from './stock.ts';

const productId = makeId('product', 'prop');
const start = Date.parse('2026-01-15T10:00:00Z');

// A step: which command, on which of a small pool of reservation ids (so ids collide and repeat),
// how much, and how far the clock moves first (so expiries fall both before and after their time).
const step = fc.record({
  kind: fc.constantFrom('receive', 'adjust', 'reserve', 'release', 'expire', 'commit', 'return'),
  reservation: fc.integer({ min: 1, max: 4 }),
  quantity: fc.integer({ min: -12, max: 12 }),
  ttlSeconds: fc.integer({ min: 1, max: 300 }),
  advanceSeconds: fc.integer({ min: 0, max: 120 }),
});
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

function commandOf(s: Step, nowMs: number): StockCommand {
  const reservationId = makeId('reservation', String(s.reservation));
  const now = new Date(nowMs).toISOString();
  switch (s.kind) {
    case 'receive':
      return { type: 'ReceiveStock', data: { productId, quantity: s.quantity } };
    case 'adjust':
      return { type: 'AdjustStock', data: { productId, quantity: s.quantity, reason: 'count' } };
    case 'reserve': {
      const expiresAt = new Date(nowMs + s.ttlSeconds * 1000).toISOString();
      return {
        type: 'ReserveStock',
        data: { productId, reservationId, quantity: s.quantity, expiresAt, now },
      };
    }
    case 'release':
      return { type: 'ReleaseReservation', data: { productId, reservationId } };
    case 'expire':
      return { type: 'ExpireReservation', data: { productId, reservationId, now } };
    case 'commit':
      return { type: 'CommitReservation', data: { productId, reservationId } };
    default:
      return { type: 'ReturnCommittedStock', data: { productId, reservationId } };
  }
}

/** Runs the steps the way the command handler does: decide on the current state, append only what was decided. */
function run(steps: Step[]) {
  let state = stockDecider.initialState();
  let nowMs = start;
  const log: StockEvent[] = [];
  const states: StockState[] = [];
  for (const s of steps) {
    nowMs += s.advanceSeconds * 1000;
    let decided: StockEvent[];
    try {
      decided = stockDecider.decide(commandOf(s, nowMs), state);
    } catch (error) {
      if (error instanceof DomainError) continue; // a refusal appends nothing
      throw error; // anything else is a bug
    }
    for (const event of decided) {
      state = stockDecider.evolve(state, event);
      log.push(event);
      states.push(state);
      checkEvent(event, state);
    }
    checkInvariants(state);
  }
  return { state, log };
}

function checkInvariants(state: StockState) {
  expect(state.onHand).toBeGreaterThanOrEqual(0);
  expect(state.reserved).toBeGreaterThanOrEqual(0);
  expect(state.reserved).toBeLessThanOrEqual(state.onHand);
  const held = Object.values(listReservations(state.reservations))
    .filter((r) => r.status === 'active')
    .reduce((sum, r) => sum + r.quantity, 0);
  expect(state.reserved).toBe(held);
}

function checkEvent(event: StockEvent, after: StockState) {
  expect(inventoryEventSchemas[event.type].safeParse(event.data).success).toBe(true);
  // The levels a read model takes from the event are the levels the fold arrives at.
  expect({ on_hand: event.data.on_hand, reserved: event.data.reserved }).toEqual({
    on_hand: after.onHand,
    reserved: after.reserved,
  });
}

const countBy = (log: StockEvent[], types: StockEvent['type'][]) => {
  const counts = new Map<string, number>();
  for (const event of log)
    if (types.includes(event.type) && 'reservation_id' in event.data) {
      const id = event.data.reservation_id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  return counts;
};

const steps = fc.array(step, { minLength: 1, maxLength: 80 });

describe('StockItem properties (any sequence of commands)', () => {
  it('keeps 0 <= reserved <= on hand, on hand >= 0, reserved = sum of active holds', () => {
    fc.assert(
      fc.property(steps, (s) => {
        run(s);
      }),
      { numRuns: 500 },
    );
  });

  it('ends each reservation at most once, reserves each id at most once, returns at most once', () => {
    fc.assert(
      fc.property(steps, (s) => {
        const { log } = run(s);
        const ends = countBy(log, ['ReservationReleased', 'ReservationExpired', 'ReservationCommitted']);
        for (const count of ends.values()) expect(count).toBe(1);
        for (const count of countBy(log, ['StockReserved']).values()) expect(count).toBe(1);
        for (const count of countBy(log, ['CommittedStockReturned']).values()) expect(count).toBe(1);
        // An end or a return always refers to a reservation made earlier in the same log.
        for (const id of [...ends.keys()]) expect(countBy(log, ['StockReserved']).has(id)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('folding the same events twice, or after a JSON round trip, gives the same state', () => {
    fc.assert(
      fc.property(steps, (s) => {
        const { state, log } = run(s);
        const once = fold(stockDecider, log);
        const twice = fold(stockDecider, log);
        expect(twice).toEqual(once);
        expect(once).toEqual(state);
        expect(fold(stockDecider, JSON.parse(JSON.stringify(log)))).toEqual(state);
      }),
      { numRuns: 300 },
    );
  });

  it('repeating a reserve, release, expiry or commit that just succeeded decides nothing', () => {
    fc.assert(
      fc.property(steps, (s) => {
        let state = stockDecider.initialState();
        let nowMs = start;
        for (const x of s) {
          nowMs += x.advanceSeconds * 1000;
          const command = commandOf(x, nowMs);
          let decided: StockEvent[];
          try {
            decided = stockDecider.decide(command, state);
          } catch (error) {
            if (error instanceof DomainError) continue;
            throw error;
          }
          state = decided.reduce(stockDecider.evolve, state);
          if (decided.length > 0 && !['ReceiveStock', 'AdjustStock'].includes(command.type))
            expect(stockDecider.decide(command, state)).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
