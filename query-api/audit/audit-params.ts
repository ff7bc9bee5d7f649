import { z } from 'zod';
import { parsePosition } from '../../infra/eventstore/position.ts';

const bigintText = z
  .string()
  .regex(/^\d{1,19}$/, 'must be a whole number')
  .transform((text) => BigInt(text));

const limit = (max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .default(fallback);

export const streamQuery = z.strictObject({
  from_revision: bigintText.optional(),
  limit: limit(1000, 100),
});

const position = z.string().transform((text, ctx) => {
  const parsed = parsePosition(text);
  if (!parsed) ctx.addIssue({ code: 'custom', message: 'must be a position as returned in `next`' });
  return parsed ?? z.NEVER;
});

const eventType = z
  .string()
  .regex(/^[A-Z][A-Za-z0-9]{0,99}$/, 'must be an event type such as OrderCancelled');

export const eventsQuery = z.strictObject({
  after: position.optional(),
  limit: limit(1000, 100),
  types: z
    .string()
    .transform((text) => text.split(',').map((t) => t.trim()))
    .pipe(z.array(eventType).min(1).max(50))
    .optional(),
  correlation_id: z.string().min(1).max(200).optional(),
});

/** as_of: a whole number is a revision, anything else must be an ISO instant with its offset. */
export const stateQuery = z.strictObject({
  as_of: z
    .union([
      bigintText.transform((revision) => ({ kind: 'revision' as const, revision })),
      z.iso.datetime({ offset: true }).transform((text) => ({ kind: 'time' as const, at: new Date(text) })),
    ])
    .optional(),
});

export const accessLogQuery = z.strictObject({
  after: bigintText.optional(),
  limit: limit(1000, 100),
  user_id: z.string().min(1).max(100).optional(),
});
