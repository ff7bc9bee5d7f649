import { type RequestHandler, Router } from 'express';
import type { Kysely } from 'kysely';
import { aggregateTypes, isAggregateId, isAggregateType } from '../../application/audit/aggregates.ts';
import { isSecretEvent, isSecretStream } from '../../application/audit/secrets.ts';
import { RevisionNotReached, stateAsOf } from '../../application/audit/time-travel.ts';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { createAccessLog } from '../../infra/audit/access-log.ts';
import { StreamNotFound } from '../../infra/eventstore/errors.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';
import { positionToString } from '../../infra/eventstore/position.ts';
import { requireRole } from '../../infra/http/auth.ts';
import { parseInput } from '../../infra/http/validation.ts';
import { recordAccess } from './access-recorder.ts';
import { accessLogQuery, eventsQuery, stateQuery, streamQuery } from './audit-params.ts';
import { eventView } from './event-view.ts';
import { scanLog } from './log-scan.ts';

export type AuditRoutesDeps = {
  /** The event store (the only place the query API reads it). */
  store: EventStore;
  /** The read-model database, where the audit-access log lives (migrateAudit). */
  // biome-ignore lint/suspicious/noExplicitAny: the shared read-model database is untyped (each module has its tables)
  db: Kysely<any>;
  /** `authenticate(authenticator)` from infra/http/auth.ts. */
  authenticate: RequestHandler;
  /** Most events one /audit/events request reads while filtering by correlation id. Default 10,000. */
  scanBudget?: number;
};

const AUDIT_ROLES = ['auditor', 'admin'] as const;

const notFound = (message: string) => new DomainError(ErrorCode.NotFound, message);
const invalidParam = (field: string, message: string) =>
  new DomainError(ErrorCode.ValidationFailed, `Invalid params`, [{ field, message }]);

/**
 * The audit endpoints (API.md "Audit"), to mount under /api/v1: stream history, the global log, state as
 * of a time or revision, and the access log. Every request is recorded before it is served.
 */
export function auditRoutes(deps: AuditRoutesDeps): Router {
  const accessLog = createAccessLog(deps.db);
  const router = Router();
  router.use('/audit', deps.authenticate, recordAccess(accessLog, AUDIT_ROLES), requireRole(...AUDIT_ROLES));

  router.get('/audit/streams/:stream_name', async (req, res) => {
    const stream = String(req.params.stream_name);
    const query = parseInput(streamQuery, req.query, 'query');
    // A secret stream is reported exactly like one that does not exist.
    if (isSecretStream(stream)) throw notFound(`Stream ${stream} not found`);
    let events: Awaited<ReturnType<EventStore['readStream']>>;
    try {
      events = await deps.store.readStream(stream, {
        fromRevision: query.from_revision ?? 0n,
        maxCount: query.limit,
      });
    } catch (error) {
      if (error instanceof StreamNotFound) throw notFound(`Stream ${stream} not found`);
      throw error;
    }
    const last = events.at(-1);
    res.json({
      stream_name: stream,
      events: events.filter((e) => !isSecretEvent(e)).map(eventView),
      next_from_revision: events.length === query.limit && last ? (last.revision + 1n).toString() : null,
    });
  });

  router.get('/audit/events', async (req, res) => {
    const query = parseInput(eventsQuery, req.query, 'query');
    const page = await scanLog(deps.store, {
      after: query.after,
      limit: query.limit,
      types: query.types,
      correlationId: query.correlation_id,
      budget: deps.scanBudget ?? 10_000,
    });
    res.json({
      events: page.events.map(eventView),
      next: page.next ? positionToString(page.next) : null,
      is_end: page.isEnd,
      scanned: page.scanned,
    });
  });

  router.get('/audit/access-log', async (req, res) => {
    const query = parseInput(accessLogQuery, req.query, 'query');
    const entries = await accessLog.list({
      limit: query.limit,
      ...(query.after !== undefined ? { after: query.after } : {}),
      ...(query.user_id ? { userId: query.user_id } : {}),
    });
    res.json({ entries, next: entries.length === query.limit ? (entries.at(-1)?.id ?? null) : null });
  });

  router.get('/audit/:aggregate_type/:aggregate_id/state', async (req, res) => {
    const type = String(req.params.aggregate_type);
    const id = String(req.params.aggregate_id);
    if (!isAggregateType(type))
      throw invalidParam('aggregate_type', `must be one of ${aggregateTypes.join(', ')}`);
    if (!isAggregateId(type, id)) throw invalidParam('aggregate_id', `not a ${type} id`);
    const query = parseInput(stateQuery, req.query, 'query');
    try {
      const result = await stateAsOf(deps.store, type, id, query.as_of ?? { kind: 'now' });
      res.json({
        ...result,
        as_of: query.as_of
          ? query.as_of.kind === 'time'
            ? { time: query.as_of.at.toISOString() }
            : { revision: query.as_of.revision.toString() }
          : null,
      });
    } catch (error) {
      if (error instanceof StreamNotFound) throw notFound(`No ${type} ${id}`);
      if (error instanceof RevisionNotReached) throw notFound(error.message);
      throw error;
    }
  });

  return router;
}
