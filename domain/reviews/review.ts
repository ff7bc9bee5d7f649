import type { Command, Decider } from '../shared/decider.ts';
import { unreachable } from '../shared/decider.ts';
import { alreadyExists, DomainError, ErrorCode, illegalTransition, notFound } from '../shared/errors.ts';
import type { ProductId, UserId } from '../shared/ids.ts';
import type { ReviewEvent } from './events.ts';
import { checkFields, type Fields } from './review-fields.ts';

export const reviewStream = (reviewId: string) => `review-${reviewId}`;

/** The name a review shows: first name and the initial of the last ("Ada L."), no more than needed. */
export const reviewAuthorName = (firstName: string, lastName: string): string => {
  const initial = lastName.trim().charAt(0);
  return (initial ? `${firstName.trim()} ${initial.toUpperCase()}.` : firstName.trim()).slice(0, 120);
};

export type Review = Fields & {
  status: 'published' | 'hidden';
  reviewId: string;
  productId: ProductId;
  userId: UserId;
  createdAt: string;
  updatedAt: string;
};
/**
 * `deleted`: the author may review again, on the same stream, unless they deleted it themselves while it
 * was hidden (`hidden`): a hide is not undone by deleting the review and writing it again. An admin's
 * delete frees the stream.
 */
export type ReviewState = { status: 'none' } | { status: 'deleted'; hidden?: true } | Review;

/** `purchased`: the handler found a delivered order of this customer holding the product. */
export type SubmitReview = Command<
  'SubmitReview',
  Fields & {
    reviewId: string;
    productId: ProductId;
    userId: UserId;
    /** The name shown with the review (reviewAuthorName); null when the author has no name on record. */
    authorName: string | null;
    purchased: boolean;
    now: string;
  }
>;
export type EditReview = Command<
  'EditReview',
  { reviewId: string; userId: UserId; changes: Partial<Fields>; now: string }
>;
export type DeleteReview = Command<
  'DeleteReview',
  { reviewId: string; userId: UserId; asAdmin: boolean; now: string }
>;
export type HideReview = Command<'HideReview', { reviewId: string; reason: string; now: string }>;
export type ReviewCommand = SubmitReview | EditReview | DeleteReview | HideReview;

export const initialState = (): ReviewState => ({ status: 'none' });

function existing(state: ReviewState, reviewId: string): Review {
  if (state.status === 'none' || state.status === 'deleted') throw notFound('Review', reviewId);
  return state;
}

const forbidden = (message: string) => new DomainError(ErrorCode.Forbidden, message);

function submit({ data }: SubmitReview, state: ReviewState): ReviewEvent[] {
  const fields = checkFields({ rating: data.rating, title: data.title, body: data.body }) as Fields;
  if (
    state.status === 'published' ||
    state.status === 'hidden' ||
    (state.status === 'deleted' && state.hidden)
  )
    throw alreadyExists(`A review of ${data.productId} by this customer`);
  if (!data.purchased)
    throw new DomainError(
      ErrorCode.ReviewRequiresPurchase,
      'Only a customer with a delivered order of this product may review it',
    );
  return [
    {
      type: 'ReviewSubmitted',
      data: {
        schema_version: 2,
        review_id: data.reviewId,
        product_id: data.productId,
        user_id: data.userId,
        author_name: data.authorName,
        ...fields,
        verified_purchase: true,
        submitted_at: data.now,
      },
    },
  ];
}

function edit({ data }: EditReview, state: ReviewState): ReviewEvent[] {
  const review = existing(state, data.reviewId);
  if (review.userId !== data.userId) throw forbidden('Only the author may edit a review');
  if (review.status === 'hidden') throw illegalTransition('review', 'hidden', 'edit');
  const checked = checkFields(data.changes);
  const changes = Object.fromEntries(
    Object.entries(checked).filter(([key, value]) => review[key as keyof Fields] !== value),
  ) as Partial<Fields>;
  if (Object.keys(changes).length === 0) return [];
  return [
    {
      type: 'ReviewEdited',
      data: {
        schema_version: 1,
        review_id: review.reviewId,
        product_id: review.productId,
        changes,
        edited_at: data.now,
      },
    },
  ];
}

function remove({ data }: DeleteReview, state: ReviewState): ReviewEvent[] {
  const review = existing(state, data.reviewId);
  const byAuthor = review.userId === data.userId;
  if (!byAuthor && !data.asAdmin) throw forbidden('Only the author or an admin may delete a review');
  return [
    {
      type: 'ReviewDeleted',
      data: {
        schema_version: 1,
        review_id: review.reviewId,
        product_id: review.productId,
        deleted_by: byAuthor ? 'author' : 'admin',
        deleted_at: data.now,
      },
    },
  ];
}

function hide({ data }: HideReview, state: ReviewState): ReviewEvent[] {
  const review = existing(state, data.reviewId);
  if (review.status === 'hidden') return [];
  const reason = data.reason.trim();
  if (reason.length < 1 || reason.length > 500)
    throw new DomainError(ErrorCode.ValidationFailed, 'Validation failed', [
      { field: 'reason', message: '1 to 500 characters' },
    ]);
  return [
    {
      type: 'ReviewHidden',
      data: {
        schema_version: 1,
        review_id: review.reviewId,
        product_id: review.productId,
        reason,
        hidden_at: data.now,
      },
    },
  ];
}

export function decide(command: ReviewCommand, state: ReviewState): ReviewEvent[] {
  switch (command.type) {
    case 'SubmitReview':
      return submit(command, state);
    case 'EditReview':
      return edit(command, state);
    case 'DeleteReview':
      return remove(command, state);
    case 'HideReview':
      return hide(command, state);
    default:
      return unreachable(command);
  }
}

export function evolve(state: ReviewState, event: ReviewEvent): ReviewState {
  switch (event.type) {
    case 'ReviewSubmitted': {
      const d = event.data;
      return {
        status: 'published',
        reviewId: d.review_id,
        productId: d.product_id,
        userId: d.user_id,
        rating: d.rating,
        title: d.title,
        body: d.body,
        createdAt: d.submitted_at,
        updatedAt: d.submitted_at,
      };
    }
    case 'ReviewEdited':
      if (state.status !== 'published' && state.status !== 'hidden') return state;
      return { ...state, ...event.data.changes, updatedAt: event.data.edited_at };
    case 'ReviewDeleted':
      // Its author deleting a hidden review does not undo the hide; an admin deleting it may.
      return state.status === 'hidden' && event.data.deleted_by === 'author'
        ? { status: 'deleted', hidden: true }
        : { status: 'deleted' };
    case 'ReviewHidden':
      if (state.status !== 'published') return state;
      return { ...state, status: 'hidden', updatedAt: event.data.hidden_at };
    default:
      return unreachable(event);
  }
}

export const reviewDecider: Decider<ReviewCommand, ReviewEvent, ReviewState> = {
  decide,
  evolve,
  initialState,
};
