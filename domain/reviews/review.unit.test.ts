import { describe, expect, it } from 'vitest';
import { given } from '../shared/given.ts';
import type { ProductId, UserId } from '../shared/ids.ts';
import { type ReviewEvent, reviewSubmittedSchema, upcastReviewSubmitted } from './events.ts';
import { reviewAuthorName, reviewDecider, type SubmitReview } from './review.ts';

const now = '2026-01-15T10:00:00.000Z';
const reviewId = 'rev_abc';
const productId = 'prd_1' as ProductId;
const author = 'usr_author' as UserId;
const other = 'usr_other' as UserId;
const submit = (overrides: Partial<SubmitReview['data']> = {}): SubmitReview => ({
  type: 'SubmitReview',
  data: {
    reviewId,
    productId,
    userId: author,
    authorName: 'Ada L.',
    rating: 4,
    title: 'Good',
    body: 'Works',
    purchased: true,
    now,
    ...overrides,
  },
});
const submitted: ReviewEvent = {
  type: 'ReviewSubmitted',
  data: {
    schema_version: 2,
    review_id: reviewId,
    product_id: productId,
    user_id: author,
    author_name: 'Ada L.',
    rating: 4,
    title: 'Good',
    body: 'Works',
    verified_purchase: true,
    submitted_at: now,
  },
};
const hidden: ReviewEvent = {
  type: 'ReviewHidden',
  data: { schema_version: 1, review_id: reviewId, product_id: productId, reason: 'spam', hidden_at: now },
};
const deleted: ReviewEvent = {
  type: 'ReviewDeleted',
  data: {
    schema_version: 1,
    review_id: reviewId,
    product_id: productId,
    deleted_by: 'author',
    deleted_at: now,
  },
};
const review = given(reviewDecider);

describe('review', () => {
  it('a customer with a delivered order publishes a verified review', () => {
    review().when(submit()).thenEvents([submitted]);
  });

  it('refuses a rating of 0, 6 or 3.5, an empty or long title, a long body (400 VAL_2001)', () => {
    for (const rating of [0, 6, 3.5]) review().when(submit({ rating })).thenThrows('VAL_2001');
    review()
      .when(submit({ title: '  ' }))
      .thenThrows('VAL_2001');
    review()
      .when(submit({ title: 'x'.repeat(121) }))
      .thenThrows('VAL_2001');
    review()
      .when(submit({ body: 'x'.repeat(5001) }))
      .thenThrows('VAL_2001');
  });

  it('refuses a customer without a delivered order (403 BIZ_4008) and a second review (409 RES_3002)', () => {
    review()
      .when(submit({ purchased: false }))
      .thenThrows('BIZ_4008');
    review(submitted).when(submit()).thenThrows('RES_3002');
    review(submitted, hidden).when(submit()).thenThrows('RES_3002');
  });

  it('after deleting, the author may review again', () => {
    review(submitted, deleted).when(submit()).thenEvents([submitted]);
  });

  it('a hidden review deleted by its author is still their one review: a new one is 409 RES_3002', () => {
    review(submitted, hidden, deleted).when(submit()).thenThrows('RES_3002');
    review(submitted, hidden, deleted, submitted).when(submit()).thenThrows('RES_3002');
    // An admin's delete frees it.
    const byAdmin = { ...deleted, data: { ...deleted.data, deleted_by: 'admin' } } as ReviewEvent;
    review(submitted, hidden, byAdmin).when(submit()).thenEvents([submitted]);
  });

  it('the author edits only what changed; nobody else may (403), a hidden review is frozen (409)', () => {
    review(submitted)
      .when({
        type: 'EditReview',
        data: { reviewId, userId: author, changes: { rating: 5, title: 'Good' }, now },
      })
      .thenEvents([
        {
          type: 'ReviewEdited',
          data: {
            schema_version: 1,
            review_id: reviewId,
            product_id: productId,
            changes: { rating: 5 },
            edited_at: now,
          },
        },
      ]);
    review(submitted)
      .when({ type: 'EditReview', data: { reviewId, userId: other, changes: { rating: 5 }, now } })
      .thenThrows('AUTH_1004');
    review(submitted, hidden)
      .when({ type: 'EditReview', data: { reviewId, userId: author, changes: { rating: 5 }, now } })
      .thenThrows('BIZ_4006');
    review()
      .when({ type: 'EditReview', data: { reviewId, userId: author, changes: { rating: 5 }, now } })
      .thenThrows('RES_3001');
  });

  it('the author or an admin deletes; another customer may not; a deleted review is gone (404)', () => {
    review(submitted)
      .when({ type: 'DeleteReview', data: { reviewId, userId: author, asAdmin: false, now } })
      .thenEvents([deleted]);
    review(submitted)
      .when({ type: 'DeleteReview', data: { reviewId, userId: other, asAdmin: false, now } })
      .thenThrows('AUTH_1004');
    review(submitted, deleted)
      .when({ type: 'DeleteReview', data: { reviewId, userId: author, asAdmin: false, now } })
      .thenThrows('RES_3001');
  });

  it('an admin hides with a reason; hiding again decides nothing', () => {
    review(submitted)
      .when({ type: 'HideReview', data: { reviewId, reason: 'spam', now } })
      .thenEvents([hidden]);
    review(submitted, hidden)
      .when({ type: 'HideReview', data: { reviewId, reason: 'spam', now } })
      .thenEvents([]);
  });

  it('names the author by first name and last initial only', () => {
    expect(reviewAuthorName('Ada', 'lovelace')).toBe('Ada L.');
    expect(reviewAuthorName(' Ada ', '')).toBe('Ada');
  });

  it('reads a version-1 ReviewSubmitted (no author name) as version 2 with a null name, and folds it', () => {
    const v1 = {
      schema_version: 1,
      review_id: reviewId,
      product_id: productId,
      user_id: author,
      rating: 4,
      title: 'Good',
      body: 'Works',
      verified_purchase: true,
      submitted_at: now,
    };
    expect(reviewSubmittedSchema.parse(upcastReviewSubmitted(v1))).toEqual({
      ...v1,
      schema_version: 2,
      author_name: null,
    });
    const stored = { type: 'ReviewSubmitted', data: v1 } as unknown as ReviewEvent;
    review(stored).when(submit()).thenThrows('RES_3002');
  });
});
