import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { ErrorCode } from '../shared/errors.ts';
import { makeId, type ProductId, type ReservationId } from '../shared/ids.ts';
import type { StockCommand } from './commands.ts';
import type { StockEvent } from './events.ts';
import { ACTIVE_BUCKETS, SETTLED_CHUNK, SETTLED_KEPT } from './reservation-book.ts';
import { listReservations, reservationStatus, type StockState, stockDecider } from './stock.ts';

const productId = makeId('product', 'hot') as ProductId;
const rsv = (n: number) => makeId('reservation', `c${n}`) as ReservationId;
const NOW = '2026-01-15T10:00:00Z';
const EXP = '2026-01-15T10:15:00Z';

const reserve = (n: number): StockCommand => ({
  type: 'ReserveStock',
  data: { productId, reservationId: rsv(n), quantity: 1, expiresAt: EXP, now: NOW },
});
const commit = (n: number): StockCommand => ({
  type: 'CommitReservation',
  data: { productId, reservationId: rsv(n) },
});
const release = (n: number): StockCommand => ({
  type: 'ReleaseReservation',
  data: { productId, reservationId: rsv(n) },
});
const giveBack = (n: number, quantity?: number): StockCommand => ({
  type: 'ReturnCommittedStock',
  data: { productId, reservationId: rsv(n), ...(quantity === undefined ? {} : { quantity }) },
});

/** Runs commands through decide and evolve, as the command handler does. */
function run(state: StockState, commands: StockCommand[]): { state: StockState; events: StockEvent[] } {
  const events: StockEvent[] = [];
  for (const command of commands) {
    const decided = stockDecider.decide(command, state);
    events.push(...decided);
    state = decided.reduce(stockDecider.evolve, state);
  }
  return { state, events };
}

const received = (units: number) =>
  run(stockDecider.initialState(), [{ type: 'ReceiveStock', data: { productId, quantity: units } }]).state;

describe('stock state keeps the active reservations and a bounded window of settled ones', () => {
  const sold = SETTLED_KEPT + 500;
  const history = run(stockDecider.initialState(), [
    { type: 'ReceiveStock', data: { productId, quantity: sold + 10 } },
    ...Array.from({ length: sold }, (_, i) => [reserve(i), commit(i)]).flat(),
  ]);

  it('forgets settlements beyond the window, and keeps the levels exact', () => {
    const { state } = history;
    // Whole chunks are dropped: the window holds between one chunk less than SETTLED_KEPT and SETTLED_KEPT.
    const kept = Object.keys(listReservations(state.reservations)).length;
    expect(kept).toBeLessThanOrEqual(SETTLED_KEPT);
    expect(kept).toBeGreaterThan(SETTLED_KEPT - SETTLED_CHUNK);
    expect(state.onHand).toBe(10);
    expect(state.reserved).toBe(0);
    expect(reservationStatus(state, rsv(sold - 1))).toBe('committed');
    expect(reservationStatus(state, rsv(0))).toBeUndefined();
    // The same fold from the events alone (what a snapshot rebuild does) arrives at the same state.
    expect(fold(stockDecider, history.events)).toEqual(state);
  });

  it('answers repeats inside the window as before: a retried commit is a no-op, a released id is spent', () => {
    const recent = sold - 1;
    expect(run(history.state, [commit(recent)]).events).toEqual([]);
    const { state } = run(history.state, [reserve(sold), release(sold)]);
    expect(() => stockDecider.decide(commit(sold), state)).toThrowError(
      expect.objectContaining({ code: ErrorCode.ReservationExpired }),
    );
    expect(() => stockDecider.decide(reserve(sold), state)).toThrowError(
      expect.objectContaining({ code: ErrorCode.ReservationExpired }),
    );
  });

  it('returns a forgotten commit once with the quantity the order names, then knows it as returned', () => {
    expect(() => stockDecider.decide(giveBack(0), history.state)).toThrowError(
      expect.objectContaining({ code: ErrorCode.NotFound }),
    );
    const { state, events } = run(history.state, [giveBack(0, 1), giveBack(0, 1)]);
    expect(events.map((e) => e.type)).toEqual(['CommittedStockReturned']);
    expect(state.onHand).toBe(11);
    expect(reservationStatus(state, rsv(0))).toBe('returned');
  });

  it('spreads active reservations over buckets, so one reservation copies one bucket', () => {
    const { state } = run(
      received(1000),
      Array.from({ length: 1000 }, (_, i) => reserve(i)),
    );
    expect(state.reservations.active).toHaveLength(ACTIVE_BUCKETS);
    const sizes = state.reservations.active.map((bucket) => Object.keys(bucket).length);
    expect(Math.max(...sizes)).toBeLessThan(1000 / 4);
    const next = stockDecider.evolve(state, stockDecider.decide(release(7), state)[0]!);
    const changed = next.reservations.active.filter((bucket, i) => bucket !== state.reservations.active[i]);
    expect(changed).toHaveLength(1);
    expect(state.reserved).toBe(1000);
    expect(reservationStatus(state, rsv(7))).toBe('active');
  });
});
