import { categoryTreeDecider } from '../../domain/catalog/category-tree.ts';
import { productDecider } from '../../domain/catalog/product.ts';
import { stockDecider } from '../../domain/inventory/stock.ts';
import { deciderFingerprint } from './fingerprint.ts';

/** Which aggregate's streams are snapshotted, and the build of its decider that folds them. */
export type SnapshotPolicy = {
  aggregate: string;
  decider: object;
  fingerprint: string;
};

const shared = new URL('../../domain/shared/', import.meta.url);
const catalog = new URL('../../domain/catalog/', import.meta.url);
const inventory = new URL('../../domain/inventory/', import.meta.url);

/**
 * The long-lived aggregates (docs/snapshots.md): stock (every reservation is an event), product and the
 * category tree (edited for as long as the shop runs). Not the user: its state holds personal data in
 * clear, and a snapshot of it would outlive crypto-shredding. Carts, orders and checkouts are short.
 * Bump `version` when a state's meaning changes without its domain folder changing.
 */
export function defaultSnapshotPolicies(): SnapshotPolicy[] {
  const policy = (
    aggregate: string,
    decider: SnapshotPolicy['decider'] & Parameters<typeof deciderFingerprint>[0]['decider'],
    sources: URL[],
    version = 1,
  ) => ({
    aggregate,
    decider,
    fingerprint: deciderFingerprint({ aggregate, version, sources: [...sources, shared], decider }),
  });
  return [
    // 2: reservations kept as an active book and a bounded settled window (reservation-book.ts).
    policy('stock', stockDecider, [inventory], 2),
    policy('product', productDecider, [catalog]),
    policy('category-tree', categoryTreeDecider, [catalog]),
  ];
}
