import { metadataFor, type WorkflowDeps } from '../../application/checkout/workflow-deps.ts';
import { cartDecider, cartStream } from '../../domain/cart/cart.ts';
import { activeCheckout } from '../../domain/cart/checkout-rules.ts';
import type { CartOwnerId } from '../../domain/shared/ids.ts';
import type { TimerOutcome } from './claim-loop.ts';
import type { TimerRow } from './pm-projection.ts';

/**
 * An expire-cart timer fell due: the cart decides (ExpireCart empties it with CartExpired only when it
 * has lines, is not being checked out, and has been idle for its lifetime). Idempotent: a second firing
 * finds the cart empty. When this clock is behind the one that stamped the last change, it looks again
 * at the end of the lifetime, and while a checkout runs, when it lapses; a newer change restarts the timer
 * by itself (the projection moves it).
 */
export async function expireCart(deps: WorkflowDeps, timer: TimerRow): Promise<TimerOutcome> {
  const owner = timer.payload.owner_id as CartOwnerId;
  const idleMs = Number(timer.payload.idle_ms);
  const now = deps.clock().toISOString();
  const result = await deps.handler.handle({
    decider: cartDecider,
    stream: cartStream(owner),
    command: { type: 'ExpireCart', data: { userId: owner, idleMs, now } },
    metadata: metadataFor({
      correlationId: timer.payload.correlation_id,
      causationId: timer.payload.causation_id,
    }),
  });
  const { state } = result;
  if (result.events.length > 0 || state.lines.length === 0 || state.updatedAt === null) return { done: true };
  const dueAt = Date.parse(state.updatedAt) + idleMs;
  // Being checked out: looked at again when that checkout lapses. No event marks a lapse, so a timer
  // dropped here would never be armed again and the cart would keep its lines for good.
  const running = activeCheckout(state, now);
  if (running) return { done: false, retryAt: new Date(Math.max(Date.parse(running.expiresAt), dueAt)) };
  return dueAt > Date.parse(now) ? { done: false, retryAt: new Date(dueAt) } : { done: true };
}
