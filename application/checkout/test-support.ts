import type pg from 'pg';
import { pino } from 'pino';
import { randomIds } from '../../command-api/ids.ts';
import { cartDecider, cartStream } from '../../domain/cart/cart.ts';
import type { ProductCommand } from '../../domain/catalog/commands.ts';
import { productDecider, productStream } from '../../domain/catalog/product.ts';
import { stockDecider, stockStream } from '../../domain/inventory/stock.ts';
import { orderDecider, orderStream } from '../../domain/ordering/order.ts';
import { couponDecider, couponStream } from '../../domain/pricing/coupon.ts';
import { fold } from '../../domain/shared/decider.ts';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { makeId, type ProductId, type UserId } from '../../domain/shared/ids.ts';
import { parseRate } from '../../domain/shared/money.ts';
import { composeStore } from '../../infra/eventstore/decorate-store.ts';
import { StreamNotFound } from '../../infra/eventstore/errors.ts';
import type { EventStore, RecordedEvent } from '../../infra/eventstore/port.ts';
import { createPostgresEventStore } from '../../infra/eventstore/postgres/store.ts';
import type { ChargeRequest, PaymentProvider } from '../../infra/payments/port.ts';
import { createSandboxPaymentProvider, migratePayments } from '../../infra/payments/sandbox-provider.ts';
import { createPool } from '../../infra/postgres/pool.ts';
import { openPersonalData } from '../../infra/privacy/personal-data.ts';
import { type ProcessManagerOptions, startProcessManager } from '../../process-manager/start.ts';
import { createTestDatabase } from '../../test/support/isolation.ts';
import { createCommandHandler } from '../commands/command-handler.ts';
import type { PlaceOrderInput } from './pay-order.ts';
import { createCheckoutServices } from './services.ts';
import type { WorkflowFaults } from './workflow-deps.ts';

export const address = {
  street: '1 Main St',
  city: 'Springfield',
  state: 'IL',
  postal_code: '62701',
  country: 'US',
};
export const visa = { type: 'card', token: 'tok_visa' };

const COUPON_TERMS = {
  reduction: { type: 'amount' as const, amount: 500 },
  minSubtotal: null,
  startsAt: null,
  endsAt: null,
};

/** A clock that tests can move forward (the reservation's lapse without waiting for it). */
export function testClock() {
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);
  return Object.assign(clock, {
    advance: (ms: number) => {
      offsetMs += ms;
    },
  });
}

/** Counts the charges the workflow asks for (the provider's ledger tells what it actually charged). */
function countingPayments(inner: PaymentProvider) {
  const calls: ChargeRequest[] = [];
  const provider: PaymentProvider = {
    charge: (request) => {
      calls.push(request);
      return inner.charge(request);
    },
    findCharge: (key) => inner.findCharge(key),
    refund: (request) => inner.refund(request),
  };
  return { provider, calls };
}

/**
 * One test file's checkout world: its own database with the PostgreSQL event store, the sandbox provider,
 * the checkout services, and helpers to seed stock and carts and to read levels back from the events.
 */
type WorldOptions = {
  ttlSeconds?: number;
  faults?: WorkflowFaults;
  /** Connections of the event store's pool (16) and of the other pool (12). */
  poolSizes?: { store: number; other: number };
};

export async function createCheckoutWorld(label: string, options: WorldOptions = {}) {
  return openCheckoutWorld(await createTestDatabase(label), options);
}

/**
 * A world over a database that exists already: `database.drop` runs on close (a no-op for a second
 * process sharing the database, as bench/checkout/hot-processes.ts forks).
 */
export async function openCheckoutWorld(
  database: { url: string; drop: () => Promise<void> },
  options: WorldOptions = {},
) {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const pool: pg.Pool = createPool({
    connectionString: database.url,
    max: options.poolSizes?.other ?? 12,
    applicationName: 'checkout-test',
  });
  const store: EventStore = composeStore(
    await createPostgresEventStore({
      connectionString: database.url,
      poolSize: options.poolSizes?.store ?? 16,
      pollIntervalMs: 50,
    }),
    { personalData: await openPersonalData({ connectionString: database.url, poolSize: 2 }) },
  );
  await migratePayments(pool);
  const payments = countingPayments(createSandboxPaymentProvider({ pool }));
  const clock = testClock();
  const handler = createCommandHandler({ store, logger, clock, maxRetries: 40 });
  const faults: WorkflowFaults = { ...options.faults };
  const services = createCheckoutServices({
    store,
    handler,
    payments: payments.provider,
    config: {
      RESERVATION_TTL_SECONDS: options.ttlSeconds ?? 600,
      TAX_RATE: parseRate('0.08'),
      SHIPPING_FLAT: '10.00',
      FREE_SHIPPING_OVER: '100.00',
    },
    clock,
    ids: randomIds,
    logger,
    faults,
  });
  const managers: { stop(): Promise<void> }[] = [];
  const catalog = (command: ProductCommand) =>
    handler.handle({
      decider: productDecider,
      stream: productStream(command.data.productId),
      metadata: { correlation_id: 'test' },
      command,
    });
  const metadata = { correlation_id: 'test' };
  /** Lists the product in the catalog at `price` when it is not yet (checkout re-checks the catalog). */
  async function list(productId: ProductId, price = 2500) {
    const { state } = await handler.load(productDecider, productStream(productId));
    if (state.status !== 'unlisted') return;
    await catalog({
      type: 'ListProduct',
      data: { productId, name: `Product ${productId}`, price, category: 'Test', now: clock().toISOString() },
    }).catch((error) => {
      if (!(error instanceof DomainError && error.code === ErrorCode.AlreadyExists)) throw error;
    });
  }

  const readAllOf = async (stream: string): Promise<RecordedEvent[]> => {
    try {
      return await store.readStream(stream);
    } catch (error) {
      if (error instanceof StreamNotFound) return [];
      throw error;
    }
  };

  return {
    database,
    pool,
    store,
    logger,
    clock,
    handler,
    services,
    faults,
    payments: payments.provider,
    chargeCalls: payments.calls,
    metadata,
    newUser: () => randomIds('user') as UserId,
    newProduct: () => randomIds('product') as ProductId,
    async receive(productId: ProductId, quantity: number) {
      await handler.handle({
        decider: stockDecider,
        stream: stockStream(productId),
        metadata,
        command: { type: 'ReceiveStock', data: { productId, quantity } },
      });
    },
    list,
    /** The catalog price changes (minor units). */
    changePrice: (productId: ProductId, price: number) =>
      catalog({ type: 'ChangePrice', data: { productId, price, now: clock().toISOString() } }),
    discontinue: (productId: ProductId) =>
      catalog({ type: 'DiscontinueProduct', data: { productId, now: clock().toISOString() } }),
    async addToCart(userId: UserId, productId: ProductId, quantity: number, price = 2500) {
      await list(productId, price);
      await handler.handle({
        decider: cartDecider,
        stream: cartStream(userId),
        metadata,
        command: {
          type: 'AddItemToCart',
          data: {
            userId,
            cartItemId: makeId('cartItem', randomIds('cartItem').slice(5)),
            product: {
              productId,
              name: `Product ${productId}`,
              price,
              currency: 'USD',
              image: null,
              discontinued: false,
            },
            available: 1_000_000,
            quantity,
            now: clock().toISOString(),
          },
        },
      });
    },
    /** POST /orders as the checkout services take it: the test address, the sandbox card, `extra` on top. */
    placeOrder: (userId: UserId, extra: Partial<PlaceOrderInput> = {}) =>
      services.placeOrder({
        userId,
        shippingAddress: address,
        billingAddress: address,
        paymentMethod: visa,
        metadata,
        ...extra,
      }),
    /** A coupon of 5.00 off (no minimum, once per customer), limited to `maxRedemptions` uses (null: unlimited). */
    async createCoupon(code: string, maxRedemptions: number | null = null) {
      const terms = { ...COUPON_TERMS, maxRedemptions, maxPerCustomer: 1 };
      await handler.handle({
        decider: couponDecider,
        stream: couponStream(code),
        metadata,
        command: { type: 'CreateCoupon', data: { code, now: clock().toISOString(), terms } },
      });
    },
    async applyCoupon(userId: UserId, code: string) {
      const coupon = { code, reduction: COUPON_TERMS.reduction, minSubtotal: null };
      await handler.handle({
        decider: cartDecider,
        stream: cartStream(userId),
        metadata,
        command: { type: 'ApplyCartCoupon', data: { userId, coupon, now: clock().toISOString() } },
      });
    },
    async removeCoupon(userId: UserId) {
      await handler.handle({
        decider: cartDecider,
        stream: cartStream(userId),
        metadata,
        command: { type: 'RemoveCartCoupon', data: { userId, now: clock().toISOString() } },
      });
    },
    /** The order ids holding a redemption of the coupon, folded from its stream. */
    async redemptions(code: string) {
      const { state } = await handler.load(couponDecider, couponStream(code));
      return state.status === 'none' ? [] : Object.keys(state.redemptions);
    },
    readAllOf,
    /** The stock item folded from its events (never from a cache). */
    async stock(productId: ProductId) {
      const events = await readAllOf(stockStream(productId));
      return fold(
        stockDecider,
        events.map((e) => ({ type: e.type, data: e.data }) as never),
      );
    },
    async order(orderId: string) {
      const events = await readAllOf(orderStream(orderId as never));
      return fold(
        orderDecider,
        events.map((e) => ({ type: e.type, data: e.data }) as never),
      );
    },
    async cart(userId: UserId) {
      const events = await readAllOf(cartStream(userId));
      return fold(
        cartDecider,
        events.map((e) => ({ type: e.type, data: e.data }) as never),
      );
    },
    async chargeRows(key?: string) {
      const { rows } = await pool.query<{ idempotency_key: string; status: string; amount: string }>(
        key ? 'SELECT * FROM sandbox_charges WHERE idempotency_key = $1' : 'SELECT * FROM sandbox_charges',
        key ? [key] : [],
      );
      return rows;
    },
    async startProcessManager(overrides: Partial<ProcessManagerOptions> = {}) {
      const manager = await startProcessManager({
        store,
        pool,
        logger,
        payments: payments.provider,
        clock,
        timings: { settleAfterMs: 200, completeAfterMs: 200, cancelAfterMs: 200 },
        actions: { retryMs: 200, paymentWindowMs: 1_000 },
        claim: { maxIdleMs: 1_000 },
        ...overrides,
      });
      managers.push(manager);
      return manager;
    },
    async close() {
      await Promise.all(managers.map((m) => m.stop().catch(() => undefined)));
      await store.close();
      await pool.end();
      await database.drop();
    },
  };
}

export type CheckoutWorld = Awaited<ReturnType<typeof createCheckoutWorld>>;

/**
 * Polls until `check` passes or the time is up (the last failure is rethrown). Generous by default: the
 * event store's read horizon is cluster-wide, so a busy server (other suites, benchmarks) delays every
 * subscriber, and with it everything the process manager learns from events.
 */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 20_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  }
}
