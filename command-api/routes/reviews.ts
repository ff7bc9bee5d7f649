import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  type ReviewCommand,
  type ReviewState,
  reviewDecider,
  reviewStream,
  type SubmitReview,
} from '../../domain/reviews/review.ts';
import { notFound } from '../../domain/shared/errors.ts';
import type { UserId } from '../../domain/shared/ids.ts';
import { personalDataOf } from '../../infra/privacy/personal-data.ts';
import { productIdOr404, requireProduct } from '../catalog/lookups.ts';
import type { CommandApiContext } from '../context.ts';
import { commandMetadata, expectedRevisionFrom, setCommandHeaders } from '../request-metadata.ts';
import {
  authorNameOf,
  hasDeliveredPurchase,
  legacyReviewIdFor,
  reviewIdFor,
} from '../reviews/delivered-purchase.ts';
import { reviewResponseSchema } from '../reviews/review-responses.ts';
import { type AnyRoute, type RouteModule, route } from '../routing.ts';

// zod checks types; the review decider checks ranges (rating 3.5 or 6, title length) into one VAL_2001.
const submitSchema = z.object({ rating: z.number(), title: z.string(), body: z.string().optional() });
const editSchema = z
  .object({ rating: z.number().optional(), title: z.string().optional(), body: z.string().optional() })
  .refine((b) => b.rating !== undefined || b.title !== undefined || b.body !== undefined, {
    message: 'give rating, title or body',
    path: ['rating'],
  });
const hideSchema = z.object({ reason: z.string().min(1).max(500) });
const productParams = z.object({ product_id: z.string() });
const reviewParams = z.object({ review_id: z.string() });

const reviewIdOr404 = (value: string) => {
  if (!/^rev_[A-Za-z0-9_-]{1,64}$/.test(value)) throw notFound('Review', value);
  return value;
};

/** The API's body of a review (API.md "Reviews and ratings"). */
function reviewBody(state: ReviewState) {
  if (state.status === 'none' || state.status === 'deleted') throw new Error('no review to show');
  return {
    review_id: state.reviewId,
    product_id: state.productId,
    user_id: state.userId,
    rating: state.rating,
    title: state.title,
    body: state.body,
    verified_purchase: true,
    status: state.status,
    created_at: state.createdAt,
    updated_at: state.updatedAt,
  };
}

/** Reviews: customers who received a product review it once; authors edit and delete; admins hide. */
export const reviewRoutes: RouteModule = (ctx: CommandApiContext): AnyRoute[] => {
  const { handler, store, clock } = ctx;
  const onReview = async (req: Request, res: Response, reviewId: string, command: ReviewCommand) => {
    const expectedRevision = expectedRevisionFrom(req);
    const result = await handler.handle({
      decider: reviewDecider,
      stream: reviewStream(reviewId),
      command,
      metadata: commandMetadata(req),
      expectedRevision,
    });
    await setCommandHeaders(res, store, result);
    return result;
  };
  return [
    route({
      method: 'post',
      path: '/products/:product_id/reviews',
      response: { status: 201, schema: reviewResponseSchema },
      access: ['customer'],
      params: productParams,
      body: submitSchema,
      summary: 'Review a product from a delivered order (customer); once per product',
      async handle({ body, params, req, res }) {
        const productId = productIdOr404(params.product_id);
        await requireProduct(handler, productId);
        const userId = req.auth!.userId as UserId;
        const reviewId = reviewIdFor(personalDataOf(store), productId, userId);
        const [purchased, authorName, earlier] = await Promise.all([
          hasDeliveredPurchase(store, handler, userId, productId),
          authorNameOf(handler, userId),
          // A review written before wave 20 lives under the unkeyed id: a second review must still meet it.
          handler.load(reviewDecider, reviewStream(legacyReviewIdFor(productId, userId))),
        ]);
        const command: SubmitReview = {
          type: 'SubmitReview',
          data: {
            reviewId,
            productId,
            userId,
            authorName,
            rating: body.rating,
            title: body.title,
            body: body.body ?? '',
            purchased,
            now: clock().toISOString(),
          },
        };
        reviewDecider.decide(command, earlier.state); // refuses (409) when that one is still up
        const result = await onReview(req, res, reviewId, command);
        return {
          status: 201,
          headers: { Location: `/api/v1/reviews/${reviewId}` },
          body: reviewBody(result.state),
        };
      },
    }),
    route({
      method: 'put',
      path: '/reviews/:review_id',
      response: { status: 200, schema: reviewResponseSchema },
      access: 'authenticated',
      params: reviewParams,
      body: editSchema,
      summary: 'Edit your review (author)',
      async handle({ body, params, req, res }) {
        const reviewId = reviewIdOr404(params.review_id);
        const changes = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
        const result = await onReview(req, res, reviewId, {
          type: 'EditReview',
          data: { reviewId, userId: req.auth!.userId as UserId, changes, now: clock().toISOString() },
        });
        return { status: 200, body: reviewBody(result.state) };
      },
    }),
    route({
      method: 'delete',
      path: '/reviews/:review_id',
      response: { status: 204 },
      access: 'authenticated',
      params: reviewParams,
      summary: 'Delete a review (author or admin)',
      async handle({ params, req, res }) {
        const reviewId = reviewIdOr404(params.review_id);
        await onReview(req, res, reviewId, {
          type: 'DeleteReview',
          data: {
            reviewId,
            userId: req.auth!.userId as UserId,
            asAdmin: req.auth!.role === 'admin',
            now: clock().toISOString(),
          },
        });
        return { status: 204 };
      },
    }),
    route({
      method: 'post',
      path: '/reviews/:review_id/hide',
      response: { status: 200, schema: reviewResponseSchema },
      access: ['admin'],
      params: reviewParams,
      body: hideSchema,
      summary: 'Hide a review from the shop (admin moderation)',
      async handle({ body, params, req, res }) {
        const reviewId = reviewIdOr404(params.review_id);
        const result = await onReview(req, res, reviewId, {
          type: 'HideReview',
          data: { reviewId, reason: body.reason, now: clock().toISOString() },
        });
        return { status: 200, body: reviewBody(result.state) };
      },
    }),
  ];
};
