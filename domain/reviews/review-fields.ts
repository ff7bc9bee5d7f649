import { DomainError, ErrorCode } from '../shared/errors.ts';

/** What a customer writes in a review. */
export type Fields = { rating: number; title: string; body: string };

/** Checks the given fields (rating 1..5 whole, title 1..120 trimmed, body ≤ 5000); one VAL_2001 for all. */
export function checkFields(fields: Partial<Fields>): Partial<Fields> {
  const details: { field: string; message: string }[] = [];
  const out: Partial<Fields> = {};
  if (fields.rating !== undefined) {
    if (!Number.isInteger(fields.rating) || fields.rating < 1 || fields.rating > 5)
      details.push({ field: 'rating', message: 'a whole number from 1 to 5' });
    else out.rating = fields.rating;
  }
  if (fields.title !== undefined) {
    const title = fields.title.trim();
    if (title.length < 1 || title.length > 120)
      details.push({ field: 'title', message: '1 to 120 characters' });
    else out.title = title;
  }
  if (fields.body !== undefined) {
    if (fields.body.length > 5000) details.push({ field: 'body', message: 'at most 5000 characters' });
    else out.body = fields.body;
  }
  if (details.length > 0) throw new DomainError(ErrorCode.ValidationFailed, 'Validation failed', details);
  return out;
}
