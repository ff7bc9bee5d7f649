import type { CommandHandler } from '../../application/commands/command-handler.ts';
import type { CommandMetadata } from '../../application/commands/metadata.ts';
import { orderDecider, orderStream } from '../../domain/ordering/order.ts';
import { customerTierDecider, customerTierStream } from '../../domain/pricing/customer-tier.ts';
import type { TierThresholds } from '../../domain/pricing/earned-tiers.ts';
import type { OrderId, UserId } from '../../domain/shared/ids.ts';

/**
 * The earned-tier step of the process manager: an order's confirmed payment (or its refund) counted towards
 * its customer's lifetime spend on the customer's tier stream, which earns the tier (customer-tier.ts).
 * Timed by the process manager's projection on OrderConfirmed and OrderRefunded; idempotent per order and
 * kind, so a repeated or replayed timer counts nothing twice. False when the order does not (yet) say.
 */
export async function recordSpend(
  deps: { handler: CommandHandler; clock: () => Date; thresholds: TierThresholds },
  input: { orderId: OrderId; kind: 'confirmed' | 'refunded' },
  metadata: CommandMetadata,
): Promise<boolean> {
  const { state: order } = await deps.handler.load(orderDecider, orderStream(input.orderId));
  const amount = input.kind === 'confirmed' ? order.payment?.amount : order.refund?.amount;
  if (!order.placed || amount === undefined) return false;
  const userId = order.placed.user_id as UserId;
  await deps.handler.handle({
    decider: customerTierDecider,
    stream: customerTierStream(userId),
    metadata,
    command: {
      type: 'RecordCustomerSpend',
      data: {
        userId,
        orderId: input.orderId,
        kind: input.kind,
        amount,
        thresholds: deps.thresholds,
        now: deps.clock().toISOString(),
      },
    },
  });
  return true;
}
