import type { Transaction } from 'kysely';
import type { OrderState } from '../../domain/ordering/order.ts';
import { maskFields } from '../../infra/privacy/field-cipher.ts';
import { personalFields } from '../../infra/privacy/personal-fields.ts';
import type { OrdersTables } from './orders-tables.ts';

/** The event that erases a person (docs/privacy.md): their orders stay, their addresses read "[erased]". */
export const erasureEventType = 'UserErased';

/**
 * Masks the personal fields of every order of `userId`, as a replay after the key's destruction would
 * show them, so the read model equals a fresh replay.
 */
export async function maskOrdersOf(userId: string, trx: Transaction<OrdersTables>) {
  const rows = await trx
    .selectFrom('orders')
    .select(['order_id', 'state'])
    .where('user_id', '=', userId)
    .forUpdate()
    .execute();
  const rule = personalFields.OrderPlaced!;
  for (const row of rows) {
    if (!row.state.placed) continue;
    const placed = maskFields(row.state.placed, rule) as OrderState['placed'];
    await trx
      .updateTable('orders')
      .set({ state: JSON.stringify({ ...row.state, placed }) as unknown as OrderState })
      .where('order_id', '=', row.order_id)
      .execute();
  }
}
