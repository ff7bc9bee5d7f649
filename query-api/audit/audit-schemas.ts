import { z } from 'zod';
import { aggregateTypes } from '../../application/audit/aggregates.ts';
import { instant } from '../../infra/http/response-fields.ts';

/** What the audit routes answer (audit-routes.ts); revisions and positions are strings. */

export const auditEventSchema = z
  .object({
    event_id: z.string(),
    type: z.string(),
    stream_name: z.string(),
    revision: z.string(),
    position: z.string(),
    recorded_at: instant,
    data: z.unknown(),
    metadata: z.unknown(),
  })
  .meta({ id: 'AuditEvent' });

export const streamResponseSchema = z.object({
  stream_name: z.string(),
  events: z.array(auditEventSchema),
  next_from_revision: z.string().nullable(),
});

export const eventsResponseSchema = z.object({
  events: z.array(auditEventSchema),
  next: z.string().nullable().describe('the position to pass as `after` for the next page'),
  is_end: z.boolean(),
  scanned: z.number().int(),
});

export const accessLogResponseSchema = z.object({
  entries: z.array(
    z.object({
      id: z.string(),
      at: instant,
      user_id: z.string().nullable(),
      role: z.string().nullable(),
      allowed: z.boolean(),
      channel: z.string(),
      method: z.string(),
      path: z.string(),
      query: z.record(z.string(), z.unknown()),
      ip: z.string().nullable(),
      user_agent: z.string().nullable(),
      request_id: z.string().nullable(),
    }),
  ),
  next: z.string().nullable(),
});

export const stateResponseSchema = z.object({
  aggregate_type: z.enum(aggregateTypes as [string, ...string[]]),
  aggregate_id: z.string(),
  stream_name: z.string(),
  revision: z.string().nullable(),
  position: z.string().nullable(),
  recorded_at: instant.nullable(),
  events_folded: z.number().int(),
  state: z.unknown(),
  as_of: z.union([z.object({ time: instant }), z.object({ revision: z.string() })]).nullable(),
});
