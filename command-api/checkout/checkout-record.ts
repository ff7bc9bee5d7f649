import { randomUUID } from 'node:crypto';
import {
  type CheckoutCommand,
  type CheckoutState,
  checkoutDecider,
  checkoutStream,
} from '../../domain/checkout/checkout.ts';
import { type CommandMetadata, eventMetadata } from '../../infra/commands/metadata.ts';
import type { AppendResult, EventStore } from '../../infra/eventstore/port.ts';

/**
 * Writes a fresh checkout record without reading it first: a new reservation id has no stream, so the
 * first event goes in with `no_stream` and the next at revision 0 (the caller knows the state it left).
 * Two round trips saved per reservation, which matter when hundreds of buyers check out at once.
 */
export function freshCheckoutRecord(
  store: EventStore,
  reservationId: string,
  metadata: CommandMetadata,
  clock: () => Date,
) {
  let state: CheckoutState = checkoutDecider.initialState();
  let revision: bigint | undefined;
  return async function record(command: CheckoutCommand): Promise<AppendResult | undefined> {
    const decided = checkoutDecider.decide(command, state);
    if (decided.length === 0) return undefined;
    const occurredAt = clock();
    const result = await store.appendToStream(
      checkoutStream(reservationId),
      decided.map((event) => ({
        id: randomUUID(),
        type: event.type,
        data: event.data as Record<string, unknown>,
        metadata: eventMetadata(metadata, occurredAt),
      })),
      { expectedRevision: revision === undefined ? 'no_stream' : revision },
    );
    state = decided.reduce(checkoutDecider.evolve, state);
    revision = result.nextExpectedRevision;
    return result;
  };
}
