import type { Kysely } from 'kysely';
import { domainEventSchemas, upcast } from '../../../domain/event-catalog.ts';
import type { StockState } from '../../../domain/inventory/stock.ts';
import type { OrderState } from '../../../domain/ordering/order.ts';
import { createChainChecker, readWholeLog } from '../../../infra/eventstore/hash-chain/verify-chain.ts';
import type { EventStore, RecordedEvent } from '../../../infra/eventstore/port.ts';
import { comparePositions, positionToString } from '../../../infra/eventstore/position.ts';
import { type AnyDecider, aggregateKinds, aggregateOfStream } from '../aggregates.ts';
import { isSecretEvent } from '../secrets.ts';
import { type ConfirmedCharge, checkCharges } from './charges.ts';
import type { Finding, FindingKind } from './findings.ts';
import {
  checkOrderEvent,
  checkOrderOutcome,
  type OrderFacts,
  type ReservationIndex,
} from './order-checks.ts';
import { catalogCheck, inventoryCheck, type ReadModelCheck } from './read-model-checks.ts';
import { checkStockEvent } from './stock-checks.ts';
import { variantsCheck } from './variant-check.ts';

export type VerifyOptions = {
  store: EventStore;
  /** The read-model database: read models and the payment ledger are compared when given. */
  // biome-ignore lint/suspicious/noExplicitAny: the shared read-model database is untyped (each module has its tables)
  db?: Kysely<any>;
  /** Confirmations and cancellations younger than this may still be in flight. Default 60 s. */
  graceMs?: number;
  now?: () => number;
  /** Findings kept in full; the rest only counted. Default 1,000. */
  maxFindings?: number;
  onProgress?: (events: number, fraction: number) => void;
  /** Personal fields decrypted (docs/privacy.md) for the schema and fold checks; the chain is checked as stored. */
  decrypt?: (events: RecordedEvent[]) => Promise<RecordedEvent[]>;
};

export type VerifyReport = {
  events: number;
  streams: number;
  aggregates: number;
  findings: Finding[];
  counts: Partial<Record<FindingKind, number>>;
  total: number;
  readModels: {
    name: string;
    generation: number;
    position: string | null;
    rows: number;
    differences: number;
  }[];
  paymentLedger: 'compared' | 'absent' | 'skipped';
  durationMs: number;
};

const RESERVATION_STATUS: Record<string, string> = {
  StockReserved: 'active',
  ReservationReleased: 'released',
  ReservationExpired: 'expired',
  ReservationCommitted: 'committed',
  CommittedStockReturned: 'returned',
};

/**
 * One pass over the whole log: every hash chain, every aggregate folded with its decider (each event checked
 * against its schema), stock and order invariants, then the cross-aggregate outcomes and the read models
 * compared with the fold at the read model's own checkpoint. Memory grows with the number of aggregates,
 * not of events.
 */
export async function verifyHistory(options: VerifyOptions): Promise<VerifyReport> {
  const started = Date.now();
  const now = options.now ?? Date.now;
  const max = options.maxFindings ?? 1_000;
  const findings: Finding[] = [];
  const counts: Partial<Record<FindingKind, number>> = {};
  let total = 0;
  const report = (finding: Finding) => {
    total += 1;
    counts[finding.kind] = (counts[finding.kind] ?? 0) + 1;
    if (findings.length < max) findings.push(finding);
  };

  const db = options.db;
  const checks = db
    ? (await Promise.all([inventoryCheck(db), catalogCheck(db), variantsCheck(db)])).filter(
        (c): c is ReadModelCheck => c !== undefined,
      )
    : [];
  const pending = new Set(checks);
  const chain = createChainChecker();
  const states = new Map<string, unknown>();
  const orders = new Map<string, OrderFacts>();
  const reservations: ReservationIndex = new Map();

  let events = 0;
  // The fraction of the log behind the pass, for a progress bar (positions grow along the log).
  const head = (await options.store.headPosition())?.prepare ?? 0n;
  const fraction = (at: bigint) => (head > 0n ? Math.min(1, Number((at * 10_000n) / head) / 10_000) : 1);
  for await (const event of readWholeLog(options.store)) {
    for (const check of pending)
      if (!check.position || comparePositions(event.position, check.position) > 0) {
        check.capture(states);
        pending.delete(check);
      }
    events += 1;
    if (events % 1_000 === 0) options.onProgress?.(events, fraction(event.position.prepare));
    chain.check(event);
    if (isSecretEvent(event)) continue;
    foldEvent(options.decrypt ? (await options.decrypt([event]))[0]! : event);
  }
  for (const check of pending) check.capture(states);

  function foldEvent(event: RecordedEvent) {
    const aggregate = aggregateOfStream(event.streamName);
    if (!aggregate) return;
    const where = { stream: event.streamName, revision: event.revision.toString(), eventId: event.id };
    const schema = domainEventSchemas[event.type];
    const decider: AnyDecider = aggregateKinds[aggregate.type].decider;
    if (!schema)
      return report({ kind: 'schema-invalid', ...where, message: `unknown event type ${event.type}` });
    // Stored data may be an older schema_version: checked as the readers see it, upcast.
    const parsed = schema.safeParse(upcast(event.type, event.data));
    if (!parsed.success)
      report({
        kind: 'schema-invalid',
        ...where,
        message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      });
    const before = states.get(event.streamName) ?? decider.initialState();
    try {
      let after: unknown;
      if (aggregate.type === 'stock') after = checkStockEvent(before as StockState, event, report);
      else {
        if (aggregate.type === 'order') checkOrderEvent(before as OrderState, event, report);
        after = decider.evolve(before, { type: event.type, data: event.data });
      }
      states.set(event.streamName, after);
    } catch (error) {
      report({ kind: 'fold-failed', ...where, message: (error as Error).message });
    }
    if (aggregate.type === 'order') {
      const facts = orders.get(event.streamName) ?? { stream: event.streamName, state: before as OrderState };
      facts.state = (states.get(event.streamName) ?? before) as OrderState;
      if (event.type === 'OrderConfirmed') facts.confirmedAt = event.recordedAt.getTime();
      if (event.type === 'OrderCancelled') facts.cancelledAt = event.recordedAt.getTime();
      orders.set(event.streamName, facts);
    }
    const status = RESERVATION_STATUS[event.type];
    const rsv = (event.data as { reservation_id?: string }).reservation_id;
    if (aggregate.type === 'stock' && status && rsv) {
      const lines = reservations.get(rsv) ?? new Map<string, string>();
      lines.set(aggregate.id, status);
      reservations.set(rsv, lines);
    }
  }

  const graceMs = options.graceMs ?? 60_000;
  const charges: ConfirmedCharge[] = [];
  for (const facts of orders.values()) {
    checkOrderOutcome(facts, reservations, now(), graceMs, report);
    const payment = facts.state.payment;
    if (payment?.paymentId)
      charges.push({ stream: facts.stream, paymentId: payment.paymentId, amount: payment.amount });
  }
  const paymentLedger = options.db
    ? (await checkCharges(options.db, charges, report))
      ? 'compared'
      : 'absent'
    : 'skipped';

  const readModels: VerifyReport['readModels'] = checks.map((check) => ({
    name: check.name,
    generation: check.generation,
    position: check.position ? positionToString(check.position) : null,
    rows: check.rows,
    differences: check.compare(report),
  }));
  const chainBreaks = chain.breaks();
  for (const b of chainBreaks)
    report({
      kind: 'chain-broken',
      stream: b.stream,
      revision: b.revision,
      eventId: b.eventId,
      message: `${b.kind} at position ${b.position}${b.expected ? ` (expected ${b.expected}${b.actual ? `, found ${b.actual}` : ''})` : ''}`,
    });
  // The chain's first breaks lead the report: tampering makes every other finding suspect.
  findings.sort((a, b) => Number(b.kind === 'chain-broken') - Number(a.kind === 'chain-broken'));
  return {
    events,
    streams: chain.totals().streams,
    aggregates: states.size,
    findings,
    counts,
    total,
    readModels,
    paymentLedger,
    durationMs: Date.now() - started,
  };
}
