import type { Generated, Kysely, Transaction } from 'kysely';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';
import type { Logger } from '../../infra/logger.ts';
import type { RedisDocWriter } from './redis-docs.ts';

/** The read-model database: every projection's tables live in its own generation schema, so untyped here. */
// biome-ignore lint/suspicious/noExplicitAny: tables differ per projection; each module types its own
export type ReadModelDb = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: as above, inside a transaction
export type ReadModelTrx = Transaction<any>;

/** What a handler may tell the runner besides its writes. */
export type ApplyContext = {
  /** The PostgreSQL schema of the generation being written (for raw `sql` that needs to name it). */
  schema: string;
  /** Marks a cached query result stale (e.g. a product id); published with the checkpoint after commit. */
  invalidate(key: string): void;
  logger: Logger;
};

/**
 * A PostgreSQL read model: `(event, trx) → writes`. The runner commits the writes of a batch and the
 * checkpoint in one transaction, so each event takes effect exactly once.
 */
export type PgProjection = {
  kind: 'postgres';
  /** Stable name: `[a-z][a-z0-9_]*`; schemas are `rm_<name>_g<generation>`. */
  name: string;
  /** Event types this projection reads; the subscription is filtered to them. */
  eventTypes: readonly string[];
  /** DDL creating the read model's tables inside `schema` (already created, empty). */
  ddl(schema: string): string;
  /** `trx` has `withSchema(schema)` applied, so query-builder table names resolve to this generation. */
  apply(event: RecordedEvent, trx: ReadModelTrx, context: ApplyContext): Promise<void>;
  /**
   * Optional set-based path: applies a whole batch (in log order) with a few statements, e.g. folding it per
   * key in memory and writing each key once. The runner uses it instead of `apply` when present, in the same
   * transaction as the checkpoint. It must leave exactly the rows `apply` would, event by event.
   */
  applyBatch?(events: readonly RecordedEvent[], trx: ReadModelTrx, context: ApplyContext): Promise<void>;
};

export type RedisApplyContext = Omit<ApplyContext, 'schema'> & {
  /** Key prefix of this generation, e.g. `rm:cart:g2:` (below the client's keyPrefix). */
  prefix: string;
};

/**
 * A Redis read model: every key records the position it reflects and a write applies only if newer
 * (see redis-docs.ts), so replaying any prefix of the log changes nothing; the checkpoint follows.
 */
export type RedisProjection = {
  kind: 'redis';
  name: string;
  eventTypes: readonly string[];
  /** `docs` writes under this generation's prefix, guarded by the event's position. */
  apply(event: RecordedEvent, docs: RedisDocWriter, context: RedisApplyContext): Promise<void>;
  /**
   * The keys `apply` reads or writes for this event, from its data unvalidated and without running it:
   * a batch reads them up front instead of dry-running `apply` (a key missed here is read when asked).
   */
  keys?(event: RecordedEvent): readonly string[];
};

/**
 * A projection whose effect is outside our databases (Kafka, SMTP): `deliver` resolves only once the outside
 * acknowledged the batch, and only then does the checkpoint move. At-least-once: a crash between the
 * acknowledgement and the checkpoint delivers the batch again on restart. One generation only: a rebuild
 * would deliver history again, so there is none.
 */
export type OutboundProjection<Prepared = unknown> = {
  kind: 'outbound';
  name: string;
  eventTypes: readonly string[];
  /**
   * CPU only: what `deliver` sends for these events. Throws for an event it cannot express (that
   * event is then parked). Runs while the previous batch is still on its way.
   */
  prepare(events: readonly RecordedEvent[]): Prepared;
  /** Must not resolve before the batch is acknowledged; throws AbortError when `signal` aborts. */
  deliver(prepared: Prepared, signal: AbortSignal): Promise<void>;
};

/** A read model (rebuildable, several generations). */
export type Projection = PgProjection | RedisProjection;
/** Everything the one runner runs: read models and outbound projections. */
export type RunnableProjection = Projection | OutboundProjection;

/**
 * Whether a batch costs a few round trips rather than one or two per event: a PostgreSQL projection with
 * `applyBatch`, or any Redis one (the writer reads and writes each key once per batch: redis-batch.ts).
 */
export const setBased = (projection: RunnableProjection) =>
  projection.kind !== 'postgres' || projection.applyBatch !== undefined;

export type RunnerState = 'starting' | 'waiting-for-lease' | 'catching-up' | 'live' | 'retrying' | 'stopped';

/** What the runner reports about itself (published as a heartbeat and shown by /ready). */
export type ProjectionStatus = {
  projection: string;
  state: RunnerState;
  generation: number | undefined;
  position: string | undefined;
  /** Events parked in this generation since this runner started (the table holds the full count). */
  parked: number;
  /** 0 when live; otherwise how far behind wall-clock the last applied event was recorded. */
  lagMs: number;
  /** The last failure's kind (errorKind: /ready shows it to anyone); the log line has the rest. */
  lastError: string | undefined;
};

/** The tables the runner owns (migration 001). */
export type RunnerTables = {
  projection_generations: {
    projection: string;
    serving: number;
    building: number | null;
    swapped_at: Generated<Date>;
  };
  projection_checkpoints: {
    projection: string;
    generation: number;
    position: string | null;
    last_event_at: Date | null;
    updated_at: Generated<Date>;
  };
  projection_dead_letters: {
    id: Generated<string>;
    projection: string;
    generation: number;
    event_id: string;
    event_type: string;
    stream_name: string;
    position: string;
    error: string;
    attempts: number;
    parked_at: Generated<Date>;
  };
};

export type RunnerDb = Kysely<RunnerTables>;

export const schemaName = (projection: string, generation: number) => `rm_${projection}_g${generation}`;
/** Key prefix of a Redis generation, below the client's own `keyPrefix` (ioredis adds that one). */
export const redisPrefix = (projection: string, generation: number) => `rm:${projection}:g${generation}:`;
