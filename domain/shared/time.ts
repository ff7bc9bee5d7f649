import { invalid } from './errors.ts';

// ISO 8601 date-time with a zone (Z or ±hh:mm); what `Date.prototype.toISOString` produces, and what commands carry.
const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch of an ISO instant carried by a command; refuses anything else. Pure: parses, never reads the clock. */
export function instantMs(value: string, field: string): number {
  const ms = isoDateTime.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw invalid(field, 'must be an ISO 8601 date-time with a zone, e.g. 2026-01-15T10:30:00Z');
  return ms;
}
