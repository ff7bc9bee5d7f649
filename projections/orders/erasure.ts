import { sql, type Transaction } from 'kysely';
import type { OrderState } from '../../domain/ordering/order.ts';
import { maskFields } from '../../infra/privacy/field-cipher.ts';
import { personalFields } from '../../infra/privacy/personal-fields.ts';
import type { OrdersTables } from './orders-tables.ts';

/** The event that erases a person (docs/privacy.md): their orders stay, their addresses read "[erased]". */
export const erasureEventType = 'UserErased';

/**
 * Masks what a replay after the destruction of `userId`'s key would show masked, so the read model
 * equals a fresh replay: the addresses of every order of theirs (OrderPlaced, under the owner's key)
 * and the reason of every cancellation they typed (OrderCancelled, under the canceller's key: an admin's
 * words about someone else's order too).
 */
export async function maskOrdersOf(userId: string, trx: Transaction<OrdersTables>) {
  const rows = await trx
    .selectFrom('orders')
    .select(['order_id', 'user_id', 'state'])
    .where((eb) =>
      eb.or([eb('user_id', '=', userId), eb(sql<string>`state -> 'cancellation' ->> 'by'`, '=', userId)]),
    )
    .forUpdate()
    .execute();
  for (const row of rows) {
    const state = maskedFor(userId, row.user_id, row.state);
    if (state === row.state) continue;
    await trx
      .updateTable('orders')
      .set({ state: JSON.stringify(state) as unknown as OrderState })
      .where('order_id', '=', row.order_id)
      .execute();
  }
}

function maskedFor(userId: string, owner: string, state: OrderState): OrderState {
  let masked = state;
  if (owner === userId && state.placed) {
    const placed = maskFields(state.placed, personalFields.OrderPlaced!) as OrderState['placed'];
    masked = { ...masked, placed };
  }
  if (state.cancellation?.by === userId) {
    const cancellation = maskFields(state.cancellation, personalFields.OrderCancelled!);
    masked = { ...masked, cancellation: cancellation as OrderState['cancellation'] };
  }
  return masked;
}
