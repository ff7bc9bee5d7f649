import { expect, it } from 'vitest';
import type { WorkflowDeps } from '../../application/checkout/workflow-deps.ts';
import type { CartState } from '../../domain/cart/cart.ts';
import { expireCart } from './cart-expiry.ts';
import type { TimerRow } from './pm-projection.ts';

const day = 86_400_000;
const now = new Date('2026-03-01T12:00:00Z');
const timer: TimerRow = {
  kind: 'expire-cart',
  key: 'usr_idle',
  due_at: now,
  attempts: 0,
  payload: { owner_id: 'usr_idle', idle_ms: String(30 * day), correlation_id: 'c', causation_id: 'e' },
};
/** The cart decider refused to expire this cart (it is being checked out): no events, this state. */
const depsWith = (state: Partial<CartState>) =>
  ({ clock: () => now, handler: { handle: async () => ({ events: [], state }) } }) as unknown as WorkflowDeps;

it('looks again when a checkout running at the expiry lapses, not never', async () => {
  const lapses = '2026-03-01T12:10:00.000Z';
  const state = {
    lines: [{ quantity: 1 }],
    updatedAt: new Date(now.getTime() - 31 * day).toISOString(), // idle past its lifetime
    checkout: { reservationId: 'rsv_open', expiresAt: lapses },
  } as unknown as Partial<CartState>;
  expect(await expireCart(depsWith(state), timer)).toEqual({ done: false, retryAt: new Date(lapses) });
});

it('is done with a cart the expiry emptied or that has no lines', async () => {
  expect(await expireCart(depsWith({ lines: [], updatedAt: now.toISOString() }), timer)).toEqual({
    done: true,
  });
});
