import { z } from 'zod';
import { aggregateTypes, isAggregateId, isAggregateType } from '../../application/audit/aggregates.ts';
import { isSecretEvent, isSecretStream } from '../../application/audit/secrets.ts';
import { RevisionNotReached, stateAsOf } from '../../application/audit/time-travel.ts';
import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { createAccessLog } from '../../infra/audit/access-log.ts';
import { StreamNotFound } from '../../infra/eventstore/errors.ts';
import type { EventStore } from '../../infra/eventstore/port.ts';
import { positionToString } from '../../infra/eventstore/position.ts';
import type { RouteContext } from '../route-context.ts';
import { type AnyQueryRoute, route } from '../routing.ts';
import { recordAccess } from './access-recorder.ts';
import { accessLogQuery, eventsQuery, stateQuery, streamQuery } from './audit-params.ts';
import {
  accessLogResponseSchema,
  eventsResponseSchema,
  stateResponseSchema,
  streamResponseSchema,
} from './audit-schemas.ts';
import { eventView } from './event-view.ts';
import { scanLog } from './log-scan.ts';

const AUDIT_ROLES = ['auditor', 'admin'] as const;

const notFound = (message: string) => new DomainError(ErrorCode.NotFound, message);
const invalidParam = (field: string, message: string) =>
  new DomainError(ErrorCode.ValidationFailed, `Invalid params`, [{ field, message }]);

/** Most events one /audit/events request reads while filtering by correlation id. */
const SCAN_BUDGET = 10_000;

/**
 * The audit endpoints (API.md "Audit"), mounted when the query API is given the event store: stream
 * history, the global log, state as of a time or revision, and the access log. Every request is
 * recorded (allowed or refused) before it is served; the log needs migrateAudit.
 */
export const auditRoutes = (context: RouteContext): AnyQueryRoute[] => {
  const accessLog = createAccessLog(context.db);
  const store = () => context.store!;
  const audited = {
    access: AUDIT_ROLES,
    afterSignIn: [recordAccess(accessLog, AUDIT_ROLES)],
  } as const;
  return [
    route({
      method: 'get',
      path: '/audit/streams/:stream_name',
      ...audited,
      params: z.object({ stream_name: z.string() }),
      query: streamQuery,
      response: { status: 200, schema: streamResponseSchema },
      summary: "A stream's events in order, with metadata (audit; every request is recorded)",
      async handle({ params, query }) {
        const stream = params.stream_name;
        // A secret stream is reported exactly like one that does not exist.
        if (isSecretStream(stream)) throw notFound(`Stream ${stream} not found`);
        let events: Awaited<ReturnType<EventStore['readStream']>>;
        try {
          events = await store().readStream(stream, {
            fromRevision: query.from_revision ?? 0n,
            maxCount: query.limit,
          });
        } catch (error) {
          if (error instanceof StreamNotFound) throw notFound(`Stream ${stream} not found`);
          throw error;
        }
        const last = events.at(-1);
        return {
          status: 200,
          body: {
            stream_name: stream,
            events: events.filter((e) => !isSecretEvent(e)).map(eventView),
            next_from_revision:
              events.length === query.limit && last ? (last.revision + 1n).toString() : null,
          },
        };
      },
    }),
    route({
      method: 'get',
      path: '/audit/events',
      ...audited,
      query: eventsQuery,
      response: { status: 200, schema: eventsResponseSchema },
      summary:
        'The global log in commit order, paged by position, filtered by type or correlation id (audit)',
      async handle({ query }) {
        const page = await scanLog(store(), {
          after: query.after,
          limit: query.limit,
          types: query.types,
          correlationId: query.correlation_id,
          budget: SCAN_BUDGET,
        });
        return {
          status: 200,
          body: {
            events: page.events.map(eventView),
            next: page.next ? positionToString(page.next) : null,
            is_end: page.isEnd,
            scanned: page.scanned,
          },
        };
      },
    }),
    route({
      method: 'get',
      path: '/audit/access-log',
      ...audited,
      query: accessLogQuery,
      response: { status: 200, schema: accessLogResponseSchema },
      summary: 'Who read what through the audit endpoints, when and from where (append-only)',
      async handle({ query }) {
        const entries = await accessLog.list({
          limit: query.limit,
          ...(query.after !== undefined ? { after: query.after } : {}),
          ...(query.user_id ? { userId: query.user_id } : {}),
        });
        return {
          status: 200,
          body: { entries, next: entries.length === query.limit ? (entries.at(-1)?.id ?? null) : null },
        };
      },
    }),
    route({
      method: 'get',
      path: '/audit/:aggregate_type/:aggregate_id/state',
      ...audited,
      params: z.object({ aggregate_type: z.string(), aggregate_id: z.string() }),
      query: stateQuery,
      response: { status: 200, schema: stateResponseSchema },
      summary: "An aggregate's state folded from its own events as of a time or revision (audit)",
      async handle({ params, query }) {
        const type = params.aggregate_type;
        const id = params.aggregate_id;
        if (!isAggregateType(type))
          throw invalidParam('aggregate_type', `must be one of ${aggregateTypes.join(', ')}`);
        if (!isAggregateId(type, id)) throw invalidParam('aggregate_id', `not a ${type} id`);
        try {
          const result = await stateAsOf(store(), type, id, query.as_of ?? { kind: 'now' });
          return {
            status: 200,
            body: {
              ...result,
              as_of: query.as_of
                ? query.as_of.kind === 'time'
                  ? { time: query.as_of.at.toISOString() }
                  : { revision: query.as_of.revision.toString() }
                : null,
            },
          };
        } catch (error) {
          if (error instanceof StreamNotFound) throw notFound(`No ${type} ${id}`);
          if (error instanceof RevisionNotReached) throw notFound(error.message);
          throw error;
        }
      },
    }),
  ];
};
