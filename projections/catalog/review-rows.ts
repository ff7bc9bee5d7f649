import { sql } from 'kysely';
import type { ApplyContext, ReadModelTrx } from '../../application/projection-runner/types.ts';
import { ERASED, userErasedSchema } from '../../domain/identity/events.ts';
import {
  reviewDeletedSchema,
  reviewEditedSchema,
  reviewHiddenSchema,
  reviewSubmittedSchema,
  upcastReviewSubmitted,
} from '../../domain/reviews/events.ts';
import type { RecordedEvent } from '../../infra/eventstore/port.ts';

/** UserErased too: the author's name in their reviews reads "[erased]", as a replay would show it. */
export const reviewEventTypes = [
  'ReviewSubmitted',
  'ReviewEdited',
  'ReviewDeleted',
  'ReviewHidden',
  'UserErased',
] as const;
export const isReviewEvent = (event: RecordedEvent) =>
  (reviewEventTypes as readonly string[]).includes(event.type);

export const reviewsDdl = (schema: string) => `
CREATE TABLE ${schema}.reviews (
  review_id text PRIMARY KEY,
  product_id text NOT NULL,
  user_id text NOT NULL,
  author_name text,
  rating smallint NOT NULL,
  title text NOT NULL,
  body text NOT NULL,
  status text NOT NULL,
  verified_purchase boolean NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  revision bigint NOT NULL
);
CREATE INDEX reviews_user_idx ON ${schema}.reviews (user_id);
CREATE INDEX reviews_product_idx ON ${schema}.reviews (product_id, created_at DESC) WHERE status = 'published';
`;

/**
 * A review event: its row (deleted and hidden rows stay, with their status, so the revision guard holds),
 * then the product's `rating` (average of published reviews, two decimals) and `reviews_count`.
 */
export async function applyReviewEvent(event: RecordedEvent, trx: ReadModelTrx, context: ApplyContext) {
  const reviews = sql.id(context.schema, 'reviews');
  const revision = event.revision.toString();
  let productId: string;
  switch (event.type) {
    case 'ReviewSubmitted': {
      const d = reviewSubmittedSchema.parse(upcastReviewSubmitted(event.data));
      productId = d.product_id;
      await sql`INSERT INTO ${reviews} AS r (review_id, product_id, user_id, author_name, rating, title, body,
          status, verified_purchase, created_at, updated_at, revision)
        VALUES (${d.review_id}, ${d.product_id}, ${d.user_id}, ${d.author_name}, ${d.rating}, ${d.title}, ${d.body},
          'published', ${d.verified_purchase}, ${d.submitted_at}, ${d.submitted_at}, ${revision})
        ON CONFLICT (review_id) DO UPDATE SET author_name = excluded.author_name, rating = excluded.rating,
          title = excluded.title,
          body = excluded.body, status = 'published', created_at = excluded.created_at,
          updated_at = excluded.updated_at, revision = excluded.revision
        WHERE r.revision < excluded.revision`.execute(trx);
      break;
    }
    case 'ReviewEdited': {
      const d = reviewEditedSchema.parse(event.data);
      productId = d.product_id;
      await sql`UPDATE ${reviews} SET rating = coalesce(${d.changes.rating ?? null}::smallint, rating),
          title = coalesce(${d.changes.title ?? null}::text, title),
          body = coalesce(${d.changes.body ?? null}::text, body), updated_at = ${d.edited_at}, revision = ${revision}
        WHERE review_id = ${d.review_id} AND revision < ${revision}`.execute(trx);
      break;
    }
    case 'ReviewDeleted':
    case 'ReviewHidden': {
      const deleted = event.type === 'ReviewDeleted';
      const d = deleted ? reviewDeletedSchema.parse(event.data) : reviewHiddenSchema.parse(event.data);
      productId = d.product_id;
      const at = 'deleted_at' in d ? d.deleted_at : d.hidden_at;
      await sql`UPDATE ${reviews} SET status = ${deleted ? 'deleted' : 'hidden'}, updated_at = ${at},
          revision = ${revision}
        WHERE review_id = ${d.review_id} AND revision < ${revision}`.execute(trx);
      break;
    }
    case 'UserErased': {
      // Only the name is the author's personal data; the review text stays, as in the log.
      const d = userErasedSchema.parse(event.data);
      await sql`UPDATE ${reviews} SET author_name = ${ERASED}
        WHERE user_id = ${d.user_id} AND author_name IS NOT NULL`.execute(trx);
      return;
    }
    default:
      return;
  }
  await sql`UPDATE ${sql.id(context.schema, 'products')} p
    SET rating = coalesce(s.average, 0), reviews_count = s.count
    FROM (SELECT round(avg(rating)::numeric, 2) AS average, count(*)::int AS count FROM ${reviews}
          WHERE product_id = ${productId} AND status = 'published') s
    WHERE p.product_id = ${productId}`.execute(trx);
  context.invalidate(productId);
}
