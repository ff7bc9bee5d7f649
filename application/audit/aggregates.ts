import { cartDecider } from '../../domain/cart/cart.ts';
import { productDecider } from '../../domain/catalog/product.ts';
import { user } from '../../domain/identity/user.ts';
import { stockDecider } from '../../domain/inventory/stock.ts';
import { orderDecider } from '../../domain/ordering/order.ts';
import type { Decider } from '../../domain/shared/decider.ts';
import { type IdKind, isId } from '../../domain/shared/ids.ts';

// biome-ignore lint/suspicious/noExplicitAny: a registry of deciders of different types, folded generically
export type AnyDecider = Decider<any, any, any>;

export type AggregateKind = {
  /** The stream category: streams are `<category>-<id>`. */
  category: string;
  /** The kind of id the aggregate is keyed by (stock by product, cart by user). */
  idKind: IdKind;
  decider: AnyDecider;
};

/** The aggregates an auditor can fold, by the type name used in the audit URLs and CLI. */
export const aggregateKinds = {
  product: { category: 'product', idKind: 'product', decider: productDecider },
  stock: { category: 'stock', idKind: 'product', decider: stockDecider },
  cart: { category: 'cart', idKind: 'user', decider: cartDecider },
  order: { category: 'order', idKind: 'order', decider: orderDecider },
  user: { category: 'user', idKind: 'user', decider: user },
} as const satisfies Record<string, AggregateKind>;

export type AggregateType = keyof typeof aggregateKinds;
export const aggregateTypes = Object.keys(aggregateKinds) as AggregateType[];

export const isAggregateType = (value: string): value is AggregateType =>
  Object.hasOwn(aggregateKinds, value);

export const isAggregateId = (type: AggregateType, id: string): boolean =>
  isId(aggregateKinds[type].idKind, id);

export const aggregateStream = (type: AggregateType, id: string): string =>
  `${aggregateKinds[type].category}-${id}`;

/** The aggregate type whose streams share this stream's category, if any. */
export function aggregateOfStream(stream: string): { type: AggregateType; id: string } | undefined {
  const dash = stream.indexOf('-');
  if (dash < 0) return undefined;
  const category = stream.slice(0, dash);
  const type = aggregateTypes.find((t) => aggregateKinds[t].category === category);
  return type ? { type, id: stream.slice(dash + 1) } : undefined;
}
