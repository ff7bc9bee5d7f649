/**
 * The reservations a stock item keeps, shaped so that one event copies a small part of them, never all:
 *
 * - `active`: every reservation that holds stock, spread over ACTIVE_BUCKETS records by a hash of its id.
 *   Reserving or ending one copies its bucket (about active/32 entries) and the bucket array (32 refs).
 * - `settled`: the most recent ended reservations (released, expired, committed, returned), at most
 *   SETTLED_KEPT and at least SETTLED_KEPT − SETTLED_CHUNK of them, in chunks of SETTLED_CHUNK, newest
 *   last. Ending one copies the newest chunk; when the window is full the oldest chunk is dropped. They answer repeats (a retried commit, a duplicate timer) and refusals
 *   (committing a released reservation) exactly as before, for as long as they are kept.
 *
 * An id that left the window is unknown again (docs/snapshots.md, "Stock state"). Reservation ids are made
 * once per checkout, and a repeat arrives seconds after its original, not 8,192 settlements later.
 * Plain arrays and records, so the state serialises as is for snapshots.
 */
import type { ReservationId } from '../shared/ids.ts';

/** `active` holds stock; every other status is an end. `returned` follows `committed` when a paid order is cancelled. */
export type ReservationStatus = 'active' | 'released' | 'expired' | 'committed' | 'returned';
export type Reservation = { quantity: number; expiresAt: string; status: ReservationStatus };
type Bucket = Readonly<Record<string, Reservation>>;

export type ReservationBook = {
  active: readonly Bucket[];
  settled: readonly Bucket[];
};

export const ACTIVE_BUCKETS = 32;
export const SETTLED_CHUNK = 256;
export const SETTLED_KEPT = 8_192;
const SETTLED_CHUNKS = SETTLED_KEPT / SETTLED_CHUNK;

export const emptyBook = (): ReservationBook => ({
  active: Array.from({ length: ACTIVE_BUCKETS }, () => ({})),
  settled: [],
});

function bucketOf(id: string): number {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (Math.imul(hash, 31) + id.charCodeAt(i)) | 0;
  return (hash >>> 0) % ACTIVE_BUCKETS;
}

/** The reservation under `id`: active, or ended recently enough to be kept. */
export function findReservation(book: ReservationBook, id: ReservationId | string): Reservation | undefined {
  const active = book.active[bucketOf(id)]?.[id];
  if (active) return active;
  for (let i = book.settled.length - 1; i >= 0; i--) {
    const settled = book.settled[i]![id];
    if (settled) return settled;
  }
  return undefined;
}

/** Every reservation kept, active or settled, by id (for checks, views and tests; a command needs one). */
export const listReservations = (book: ReservationBook): Record<string, Reservation> =>
  Object.assign({}, ...book.settled, ...book.active);

export function hold(book: ReservationBook, id: string, reservation: Reservation): ReservationBook {
  const index = bucketOf(id);
  const active = book.active.slice();
  active[index] = { ...active[index], [id]: reservation };
  return { ...book, active };
}

/** The reservation under `id` takes its end `status`: out of the active buckets, into the settled window. */
export function settle(book: ReservationBook, id: string, status: ReservationStatus): ReservationBook {
  const index = bucketOf(id);
  const held = book.active[index]?.[id];
  if (held) {
    const { [id]: _, ...rest } = book.active[index]!;
    const active = book.active.slice();
    active[index] = rest;
    return { active, settled: keep(book.settled, id, { ...held, status }) };
  }
  // Already settled (committed → returned): its entry changes where it is.
  for (let i = book.settled.length - 1; i >= 0; i--) {
    const chunk = book.settled[i]!;
    const entry = chunk[id];
    if (!entry) continue;
    const settled = book.settled.slice();
    settled[i] = { ...chunk, [id]: { ...entry, status } };
    return { ...book, settled };
  }
  return book;
}

/** Settled outside the window (a return of a forgotten commit): remembered from now on. */
export const remember = (book: ReservationBook, id: string, reservation: Reservation): ReservationBook => ({
  ...book,
  settled: keep(book.settled, id, reservation),
});

function keep(settled: readonly Bucket[], id: string, reservation: Reservation): readonly Bucket[] {
  const last = settled.at(-1);
  if (last && Object.keys(last).length < SETTLED_CHUNK)
    return [...settled.slice(0, -1), { ...last, [id]: reservation }];
  const next = [...settled, { [id]: reservation }];
  return next.length > SETTLED_CHUNKS ? next.slice(next.length - SETTLED_CHUNKS) : next;
}
