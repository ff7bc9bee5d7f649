import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { CheckoutWorld } from '../../application/checkout/test-support.ts';
import type { UserId } from '../../domain/shared/ids.ts';
import type { ReservationRun } from './reservations.ts';

const worker = fileURLToPath(new URL('./hot-worker.ts', import.meta.url));

/**
 * One hot product reserved through `processes` command processes at once, each with its own batching stock
 * writer (as `COMMAND_API_WORKERS` runs them): they race on the one stock stream, and the store's revision
 * check decides between them. `buyers` concurrent customers in all, each reserving `rounds` carts; the
 * stock holds 80 % of the attempts. The clock starts when every process is ready.
 */
export async function hotProcessesRun(
  world: CheckoutWorld,
  options: { processes: number; buyers: number; rounds: number },
): Promise<ReservationRun> {
  const { processes, buyers, rounds } = options;
  const attempts = buyers * rounds;
  const product = world.newProduct();
  await world.receive(product, Math.floor(attempts * 0.8));
  const customers: UserId[][] = [];
  for (let i = 0; i < buyers; i++) {
    const carts: UserId[] = [];
    for (let round = 0; round < rounds; round++) {
      const customer = world.newUser();
      carts.push(customer);
      await world.addToCart(customer, product, 1);
    }
    customers.push(carts);
  }
  const children = Array.from({ length: processes }, () =>
    fork(worker, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  try {
    const ready = children.map((child) => once(child, 'message'));
    for (const [k, child] of children.entries())
      child.send({
        databaseUrl: world.database.url,
        buyers: customers.filter((_, i) => i % processes === k),
      });
    await Promise.all(ready);
    const answers = children.map((child) => once(child, 'message'));
    const started = performance.now();
    for (const child of children) child.send('go');
    const results = (await Promise.all(answers)).map(
      ([answer]) => answer as { succeeded: number; refused: number; conflicts: number },
    );
    const seconds = (performance.now() - started) / 1000;
    const sum = (key: 'succeeded' | 'refused' | 'conflicts') => results.reduce((s, r) => s + r[key], 0);
    const stock = await world.stock(product);
    return {
      label: `hot product, ${processes} command process${processes === 1 ? '' : 'es'}, each batching`,
      buyers,
      attempts,
      succeeded: sum('succeeded'),
      refused: sum('refused'),
      seconds,
      perSecond: sum('succeeded') / seconds,
      conflictsPerReservation: sum('conflicts') / Math.max(1, attempts),
      oversold: Math.max(0, stock.reserved - stock.onHand),
    };
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}
