import type pg from 'pg';
import { cartStream, evolve, initialState } from '../../domain/cart/cart.ts';
import type { CartEvent } from '../../domain/cart/events.ts';
import type { UserId } from '../../domain/shared/ids.ts';
import { StreamNotFound } from '../../infra/eventstore/errors.ts';
import type { EventStore, RecordedEvent } from '../../infra/eventstore/port.ts';

export const cartChangeTypes = [
  'ItemAddedToCart',
  'CartItemQuantityChanged',
  'CartItemRemoved',
  'CartMergedFromGuest',
] as const;
export const cartEndTypes = ['CartCleared', 'CartCheckedOut', 'CartExpired'] as const;

/** Arms, re-arms or drops the customer's reminder timer for a cart event (idempotent). */
export async function trackCartEvent(pool: pg.Pool, event: RecordedEvent, afterMs: number) {
  const userId = (event.data as { user_id?: string }).user_id;
  // A guest has no address to remind (its cart's owner is a hash of the cart token).
  if (!userId || userId.startsWith('gst_')) return;
  if ((cartEndTypes as readonly string[]).includes(event.type)) {
    await pool.query('DELETE FROM notifier_cart_reminders WHERE user_id = $1', [userId]);
    return;
  }
  const dueAt = new Date(event.recordedAt.getTime() + afterMs);
  // Only a later change moves the timer: replaying an older event leaves a newer timer alone.
  await pool.query(
    `INSERT INTO notifier_cart_reminders (user_id, armed_by, due_at) VALUES ($1, $2, $3)
     ON CONFLICT (user_id) DO UPDATE SET armed_by = EXCLUDED.armed_by, due_at = EXCLUDED.due_at
     WHERE notifier_cart_reminders.due_at < EXCLUDED.due_at`,
    [userId, event.id, dueAt],
  );
}

export type DueReminder = { user_id: string; armed_by: string; due_at: Date };

export const dueReminders = async (pool: pg.Pool, now: Date) =>
  (
    await pool.query<DueReminder>(
      'SELECT user_id, armed_by, due_at FROM notifier_cart_reminders WHERE due_at <= $1 ORDER BY due_at LIMIT 50',
      [now],
    )
  ).rows;

/** Drops the timer unless a newer change re-armed it meanwhile. */
export const dropReminder = (pool: pg.Pool, reminder: DueReminder) =>
  pool.query('DELETE FROM notifier_cart_reminders WHERE user_id = $1 AND armed_by = $2', [
    reminder.user_id,
    reminder.armed_by,
  ]);

/**
 * The customer's cart now (the cart aggregate's own fold): its items, and the id of its newest change (the
 * event that arms a reminder), so a reminder armed by an older change is known to be superseded.
 */
export async function cartNow(
  store: EventStore,
  userId: string,
): Promise<{ items: number; newestChange: string | undefined }> {
  let events: RecordedEvent[];
  try {
    events = await store.readStream(cartStream(userId as UserId));
  } catch (error) {
    if (error instanceof StreamNotFound) return { items: 0, newestChange: undefined };
    throw error;
  }
  const state = events.reduce(
    (s, e) => evolve(s, { type: e.type, data: e.data } as CartEvent),
    initialState(),
  );
  const changes: readonly string[] = cartChangeTypes;
  return {
    items: state.lines.reduce((sum, line) => sum + line.quantity, 0),
    newestChange: events.findLast((e) => changes.includes(e.type))?.id,
  };
}
