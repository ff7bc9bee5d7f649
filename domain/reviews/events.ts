import { z } from 'zod';
import type { DomainEvent } from '../shared/decider.ts';
import { idSchema } from '../shared/ids.ts';

/**
 * Events of this context live in streams `review-<review_id>`. A review id is derived from (product,
 * customer), so a customer's reviews of one product share one stream: two concurrent first reviews
 * race for the same `no_stream` append and one wins.
 */
export const reviewStreamCategory = 'review';

const schemaVersion = z.literal(1).describe('version of this event data shape');
const isoTime = z.iso.datetime({ offset: true });
const reviewId = z
  .string()
  .regex(/^rev_[A-Za-z0-9_-]{1,64}$/)
  .describe('the review');
const productId = idSchema('product').describe('the product reviewed');
const rating = z.number().int().min(1).max(5).describe('stars, 1 to 5');
const title = z.string().min(1).max(120);
const body = z.string().max(5000);

/** Version 1, as stored before the author's name was recorded; read through upcastReviewSubmitted. */
export const reviewSubmittedV1Schema = z
  .object({
    schema_version: schemaVersion,
    review_id: reviewId,
    product_id: productId,
    user_id: idSchema('user').describe('the author'),
    rating,
    title,
    body,
    verified_purchase: z.boolean().describe('the author had a delivered order holding the product'),
    submitted_at: isoTime,
  })
  .describe('A customer reviewed a product they received; the review is published (version 1).');

export const reviewSubmittedSchema = reviewSubmittedV1Schema
  .extend({
    schema_version: z.literal(2).describe('version of this event data shape'),
    author_name: z
      .string()
      .max(120)
      .nullable()
      .describe(
        'the name shown with the review ("Ada L.": first name, initial of the last); personal data, encrypted under the author\'s key, "[erased]" after erasure; null for version-1 reviews',
      ),
  })
  .describe('A customer reviewed a product they received; the review is published.');

/**
 * Version 1 (no author name) read as version 2: the name was never recorded, so it is null. Events are
 * never rewritten; every reader of ReviewSubmitted goes through this.
 */
export function upcastReviewSubmitted(data: Record<string, unknown>): Record<string, unknown> {
  return data.schema_version === 1 ? { ...data, schema_version: 2, author_name: null } : data;
}

export const reviewEditedSchema = z
  .object({
    schema_version: schemaVersion,
    review_id: reviewId,
    product_id: productId,
    changes: z.object({ rating: rating.optional(), title: title.optional(), body: body.optional() }),
    edited_at: isoTime,
  })
  .describe('The author changed their review; `changes` holds only the fields that changed.');

export const reviewDeletedSchema = z
  .object({
    schema_version: schemaVersion,
    review_id: reviewId,
    product_id: productId,
    deleted_by: z.enum(['author', 'admin']),
    deleted_at: isoTime,
  })
  .describe('A review was deleted by its author or an admin; the author may review the product again.');

export const reviewHiddenSchema = z
  .object({
    schema_version: schemaVersion,
    review_id: reviewId,
    product_id: productId,
    reason: z.string().min(1).max(500),
    hidden_at: isoTime,
  })
  .describe('An admin hid a review (moderation); it no longer shows or counts in ratings.');

export const reviewEventSchemas = {
  ReviewSubmitted: reviewSubmittedSchema,
  ReviewEdited: reviewEditedSchema,
  ReviewDeleted: reviewDeletedSchema,
  ReviewHidden: reviewHiddenSchema,
} as const;

export type ReviewSubmitted = DomainEvent<'ReviewSubmitted', z.infer<typeof reviewSubmittedSchema>>;
export type ReviewEdited = DomainEvent<'ReviewEdited', z.infer<typeof reviewEditedSchema>>;
export type ReviewDeleted = DomainEvent<'ReviewDeleted', z.infer<typeof reviewDeletedSchema>>;
export type ReviewHidden = DomainEvent<'ReviewHidden', z.infer<typeof reviewHiddenSchema>>;
export type ReviewEvent = ReviewSubmitted | ReviewEdited | ReviewDeleted | ReviewHidden;
