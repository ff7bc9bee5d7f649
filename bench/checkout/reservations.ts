import type { CheckoutDeps } from '../../application/checkout/checkout-deps.ts';
import { reserveCart } from '../../application/checkout/reserve-cart.ts';
import type { CheckoutWorld } from '../../application/checkout/test-support.ts';
import type { CommandMetadata } from '../../application/commands/metadata.ts';
import { ErrorCode } from '../../domain/shared/errors.ts';
import type { ProductId, UserId } from '../../domain/shared/ids.ts';
import { benchDeps } from './setup.ts';

export type ReservationRun = {
  label: string;
  buyers: number;
  attempts: number;
  succeeded: number;
  refused: number;
  seconds: number;
  perSecond: number;
  conflictsPerReservation: number;
  oversold: number;
};

/**
 * `buyers` concurrent customers, each with one line in its cart, reserve `rounds` times each. With one hot
 * product the stock holds fewer units than the attempts, so some must be refused and none oversold.
 */
export async function reservationRun(
  world: CheckoutWorld,
  options: { label: string; buyers: number; rounds: number; hot: boolean; batched: boolean },
): Promise<ReservationRun> {
  const { buyers, rounds, hot } = options;
  const attempts = buyers * rounds;
  const products: ProductId[] = hot
    ? [world.newProduct()]
    : Array.from({ length: buyers }, () => world.newProduct());
  const units = hot ? Math.floor(attempts * 0.8) : rounds;
  for (const product of products) await world.receive(product, units);
  // One cart holds one active reservation (API.md, BIZ_4011): each round of a buyer is another cart.
  const customers: UserId[][] = [];
  for (let i = 0; i < buyers; i++) {
    const carts: UserId[] = [];
    for (let round = 0; round < rounds; round++) {
      const customer = world.newUser();
      carts.push(customer);
      await world.addToCart(customer, products[hot ? 0 : i]!, 1);
    }
    customers.push(carts);
  }
  const { deps, counts } = benchDeps(world, { batched: options.batched });
  const started = performance.now();
  const { succeeded, refused } = await reserveAll(deps, customers, world.metadata);
  const seconds = (performance.now() - started) / 1000;
  let oversold = 0;
  for (const product of products) {
    const stock = await world.stock(product);
    if (stock.reserved > stock.onHand || stock.onHand < 0) oversold += stock.reserved - stock.onHand;
  }
  return {
    label: options.label,
    buyers,
    attempts,
    succeeded,
    refused,
    seconds,
    perSecond: succeeded / seconds,
    conflictsPerReservation: counts.conflicts / Math.max(1, succeeded + refused),
    oversold,
  };
}

/** Each buyer (one array of carts) at once, reserving its carts one after another; refusals counted. */
export async function reserveAll(
  deps: CheckoutDeps,
  buyers: readonly (readonly UserId[])[],
  metadata: CommandMetadata,
): Promise<{ succeeded: number; refused: number }> {
  let succeeded = 0;
  let refused = 0;
  await Promise.all(
    buyers.map(async (carts) => {
      for (const customer of carts) {
        try {
          await reserveCart(deps, customer, metadata);
          succeeded += 1;
        } catch (error) {
          if ((error as { code?: string }).code !== ErrorCode.InsufficientStock) throw error;
          refused += 1;
        }
      }
    }),
  );
  return { succeeded, refused };
}
