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
import { productIdOf } from './catalog-batch-rows.ts';
import { isReviewEvent } from './review-rows.ts';

/** A review row as the batch folds it (timestamps as text, so a loaded row writes back unchanged). */
type ReviewRow = {
  review_id: string;
  product_id: string;
  user_id: string;
  author_name: string | null;
  rating: number;
  title: string;
  body: string;
  status: string;
  verified_purchase: boolean;
  created_at: string;
  updated_at: string;
  revision: bigint;
};
type Slot = { row: ReviewRow | undefined; dirty: boolean };

const reviewIdOf = (event: RecordedEvent): string | undefined => {
  const id = (event.data as { review_id?: unknown } | null)?.review_id;
  return typeof id === 'string' ? id : undefined;
};

/**
 * Folds one review event into its slot exactly as applyReviewEvent (review-rows.ts) changes the row,
 * revision guards included.
 */
function fold(slots: Map<string, Slot>, erased: Set<string>, event: RecordedEvent, context: ApplyContext) {
  if (event.type === 'UserErased') {
    const { user_id: userId } = userErasedSchema.parse(event.data);
    erased.add(userId);
    for (const slot of slots.values())
      if (slot.row?.user_id === userId && slot.row.author_name !== null) {
        slot.row.author_name = ERASED;
        slot.dirty = true;
      }
    return;
  }
  const slot = slots.get(reviewIdOf(event) ?? '') ?? { row: undefined, dirty: false };
  const row = slot.row;
  const newer = !row || row.revision < event.revision;
  switch (event.type) {
    case 'ReviewSubmitted': {
      const d = reviewSubmittedSchema.parse(upcastReviewSubmitted(event.data));
      if (newer)
        slot.row = {
          // An existing row keeps its product, author and verified flag, as the upsert's SET does.
          review_id: d.review_id,
          product_id: row?.product_id ?? d.product_id,
          user_id: row?.user_id ?? d.user_id,
          verified_purchase: row?.verified_purchase ?? d.verified_purchase,
          author_name: d.author_name,
          rating: d.rating,
          title: d.title,
          body: d.body,
          status: 'published',
          created_at: d.submitted_at,
          updated_at: d.submitted_at,
          revision: event.revision,
        };
      slot.dirty ||= newer;
      context.invalidate(d.product_id);
      return;
    }
    case 'ReviewEdited': {
      const d = reviewEditedSchema.parse(event.data);
      if (row && newer) {
        row.rating = d.changes.rating ?? row.rating;
        row.title = d.changes.title ?? row.title;
        row.body = d.changes.body ?? row.body;
        row.updated_at = d.edited_at;
        row.revision = event.revision;
        slot.dirty = true;
      }
      context.invalidate(d.product_id);
      return;
    }
    case 'ReviewDeleted':
    case 'ReviewHidden': {
      const deleted = event.type === 'ReviewDeleted';
      const d = deleted ? reviewDeletedSchema.parse(event.data) : reviewHiddenSchema.parse(event.data);
      if (row && newer) {
        row.status = deleted ? 'deleted' : 'hidden';
        row.updated_at = 'deleted_at' in d ? d.deleted_at : d.hidden_at;
        row.revision = event.revision;
        slot.dirty = true;
      }
      context.invalidate(d.product_id);
      return;
    }
  }
}

/**
 * The review events of a batch, set-based: the rows they name are read once, folded per review in log
 * order, and written with one `INSERT … SELECT FROM unnest(…)`. An erasure also renames the author's rows
 * the batch does not hold, with one UPDATE before that write. Ratings are left to `updateRatings`.
 */
export async function applyReviewBatch(
  events: readonly RecordedEvent[],
  trx: ReadModelTrx,
  context: ApplyContext,
) {
  if (events.length === 0) return;
  const reviews = sql.id(context.schema, 'reviews');
  const ids = [...new Set(events.map(reviewIdOf).filter((id) => id !== undefined))];
  const { rows } = await sql<Omit<ReviewRow, 'revision'> & { revision: string }>`
    SELECT review_id, product_id, user_id, author_name, rating, title, body, status, verified_purchase,
           created_at::text AS created_at, updated_at::text AS updated_at, revision::text AS revision
    FROM ${reviews} WHERE review_id = ANY(${ids}::text[])`.execute(trx);
  const slots = new Map<string, Slot>(ids.map((id) => [id, { row: undefined, dirty: false }]));
  for (const r of rows) slots.set(r.review_id, { row: { ...r, revision: BigInt(r.revision) }, dirty: false });
  const erased = new Set<string>();
  for (const event of events) fold(slots, erased, event, context);
  if (erased.size > 0)
    await sql`UPDATE ${reviews} SET author_name = ${ERASED}
      WHERE user_id = ANY(${[...erased]}::text[]) AND author_name IS NOT NULL`.execute(trx);
  const dirty = [...slots.values()].filter((s) => s.dirty).map((s) => s.row!);
  if (dirty.length === 0) return;
  const col = <T>(pick: (row: ReviewRow) => T) => dirty.map(pick);
  await sql`
    INSERT INTO ${reviews} AS r (review_id, product_id, user_id, author_name, rating, title, body, status,
      verified_purchase, created_at, updated_at, revision)
    SELECT * FROM unnest(
      ${col((r) => r.review_id)}::text[], ${col((r) => r.product_id)}::text[], ${col((r) => r.user_id)}::text[],
      ${col((r) => r.author_name)}::text[], ${col((r) => r.rating)}::smallint[], ${col((r) => r.title)}::text[],
      ${col((r) => r.body)}::text[], ${col((r) => r.status)}::text[], ${col((r) => r.verified_purchase)}::boolean[],
      ${col((r) => r.created_at)}::timestamptz[], ${col((r) => r.updated_at)}::timestamptz[],
      ${col((r) => r.revision.toString())}::bigint[])
    ON CONFLICT (review_id) DO UPDATE SET author_name = excluded.author_name, rating = excluded.rating,
      title = excluded.title, body = excluded.body, status = excluded.status,
      created_at = excluded.created_at, updated_at = excluded.updated_at, revision = excluded.revision`.execute(
    trx,
  );
}

/**
 * The products whose rating the batch's review events recompute. Event by event, a review recomputes its
 * product's rating only if the product row exists then; since the rating depends only on the product's
 * reviews, recomputing once at the end of the batch gives the same result for every product whose row
 * existed at its last review event. That is unsure only for a product first listed in the batch after its
 * last review: it counts if its row existed before the batch (read here, before any write).
 */
export async function ratedProducts(
  events: readonly RecordedEvent[],
  trx: ReadModelTrx,
  context: ApplyContext,
) {
  const lastReview = new Map<string, number>();
  const firstListed = new Map<string, number>();
  events.forEach((event, i) => {
    const id = productIdOf(event);
    if (id === undefined) return;
    if (event.type === 'ProductListed') {
      if (!firstListed.has(id)) firstListed.set(id, i);
    } else if (isReviewEvent(event)) lastReview.set(id, i);
  });
  const unsure = [...lastReview].filter(([id, i]) => (firstListed.get(id) ?? -1) > i).map(([id]) => id);
  if (unsure.length === 0) return [...lastReview.keys()];
  const { rows } = await sql<{ product_id: string }>`
    SELECT product_id FROM ${sql.id(context.schema, 'products')}
    WHERE product_id = ANY(${unsure}::text[])`.execute(trx);
  const existed = new Set(rows.map((r) => r.product_id));
  return [...lastReview.keys()].filter((id) => !unsure.includes(id) || existed.has(id));
}

/** Each product's `rating` (average of published reviews, two decimals) and `reviews_count`, in one UPDATE. */
export async function updateRatings(productIds: readonly string[], trx: ReadModelTrx, context: ApplyContext) {
  if (productIds.length === 0) return;
  const ids = [...productIds];
  await sql`UPDATE ${sql.id(context.schema, 'products')} p
    SET rating = coalesce(s.average, 0), reviews_count = coalesce(s.count, 0)
    FROM unnest(${ids}::text[]) AS i(product_id)
    LEFT JOIN (SELECT product_id, round(avg(rating)::numeric, 2) AS average, count(*)::int AS count
               FROM ${sql.id(context.schema, 'reviews')}
               WHERE product_id = ANY(${ids}::text[]) AND status = 'published' GROUP BY product_id) s
      USING (product_id)
    WHERE p.product_id = i.product_id`.execute(trx);
}
