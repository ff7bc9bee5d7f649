import type { OrderState } from '../../domain/ordering/order.ts';

/** The orders read model's table (beside its projection and its erasure, which both write it). */
export type OrderRow = {
  order_id: string;
  user_id: string;
  status: string;
  /** Minor units. */
  total: string;
  currency: string;
  item_count: number;
  created_at: Date;
  updated_at: Date;
  /** Revision of the order stream this row reflects: an older event never overwrites a newer one. */
  revision: string;
  /** The order folded by the domain's own `evolve` (items, addresses, totals, payment, timestamps). */
  state: OrderState;
};

export type OrdersTables = { orders: OrderRow };
