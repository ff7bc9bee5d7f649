import type { Actor } from '../../domain/ordering/commands.ts';
import type { OrderState } from '../../domain/ordering/order.ts';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { makeId } from '../../domain/shared/ids.ts';
import { byItemKey } from '../../domain/shared/line-key.ts';
import type { Logger } from '../../infra/logger.ts';
import type { PaymentProvider } from '../../infra/payments/port.ts';
import type { CommandHandler } from '../commands/command-handler.ts';
import type { CommandMetadata } from '../commands/metadata.ts';
import type { StockWriter } from './stock-writer.ts';

/** The workflow's steps, named so a test can inject a crash between any two of them. */
export type WorkflowStep =
  | 'checkout-started'
  | 'line-reserved'
  | 'order-attached'
  | 'coupon-redeemed'
  | 'order-placed'
  | 'charged'
  | 'confirmed'
  | 'stock-committed'
  | 'cart-checked-out'
  | 'cancelled'
  | 'stock-returned';

/** Test seam: throw from `after` to simulate the process dying right after a step. */
export type WorkflowFaults = { after?: (step: WorkflowStep, id: string) => void | Promise<void> };

export type WorkflowDeps = {
  handler: CommandHandler;
  payments: PaymentProvider;
  clock: () => Date;
  logger: Logger;
  /** Every stock command goes through it (batched per stock item, see stock-writer.ts). */
  stock: StockWriter;
  faults?: WorkflowFaults;
};

/** Who the process manager acts as when it cancels an order on its own (a lapsed, unpaid order). */
export const PROCESS_MANAGER_ACTOR: Actor = { userId: makeId('user', 'process_manager'), role: 'admin' };

export const metadataFor = (cause: {
  correlationId?: string;
  causationId?: string;
  userId?: string;
}): CommandMetadata => ({
  correlation_id: cause.correlationId ?? 'process-manager',
  ...(cause.causationId ? { causation_id: cause.causationId } : {}),
  ...(cause.userId ? { user_id: cause.userId } : {}),
});

export const hasCode = (error: unknown, code: string) => error instanceof DomainError && error.code === code;
export const isCartEmpty = (error: unknown) => hasCode(error, ErrorCode.CartEmpty);
export const isNotFound = (error: unknown) => hasCode(error, ErrorCode.NotFound);

export async function step(deps: WorkflowDeps, name: WorkflowStep, id: string) {
  await deps.faults?.after?.(name, id);
}

/** An order's lines by product id: every multi-stream step goes in this one order, so two never deadlock. */
export const sortedItems = (order: OrderState) => [...(order.placed?.items ?? [])].sort(byItemKey);
