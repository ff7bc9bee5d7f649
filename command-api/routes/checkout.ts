import { z } from 'zod';
import { keyedIds } from '../../application/checkout/keyed-ids.ts';
import type { CheckoutServices } from '../../application/checkout/services.ts';
import { addressSchema } from '../../domain/ordering/events.ts';
import { ErrorCode } from '../../domain/shared/errors.ts';
import { idSchema, type ReservationId, type UserId } from '../../domain/shared/ids.ts';
import { orderBodySchema } from '../../infra/http/order-schema.ts';
import { idOr404 } from '../../infra/http/path-ids.ts';
import { arrivedAt } from '../../infra/http/request-context.ts';
import { reservationResponseSchema } from '../checkout/checkout-responses.ts';
import { checkoutServicesFor } from '../checkout/from-context.ts';
import { orderBody } from '../checkout/order-view.ts';
import type { CommandApiContext } from '../context.ts';
import { requireVerifiedEmail } from '../identity/account-lifecycle.ts';
import { commandMetadata, setCommandHeaders } from '../request-metadata.ts';
import { type AnyRoute, type RouteModule, route } from '../routing.ts';

/** API.md "Checkout integrity": a same-key duplicate of a running checkout gets BIZ_4010, not RES_3003. */
const checkoutInProgress = {
  code: ErrorCode.CheckoutInProgress,
  message: 'A checkout of this cart is already in progress',
};

const customer = ['customer'] as const;

const placeOrderSchema = z.object({
  shipping_address: addressSchema,
  billing_address: addressSchema,
  payment_method: z.object({
    type: z.string().trim().min(1).max(50),
    token: z.string().trim().min(1).max(200),
  }),
  reservation_id: idSchema('reservation').optional(),
});

/** Checkout (API.md "Checkout (customer)"): reserve the cart, give a reservation back, place an order. */
export const checkoutRoutesWith =
  (servicesFor: (ctx: CommandApiContext) => CheckoutServices): RouteModule =>
  (ctx: CommandApiContext): AnyRoute[] => {
    const { store } = ctx;
    const services = () => servicesFor(ctx);
    return [
      route({
        method: 'post',
        path: '/checkout/reservations',
        response: { status: 201, schema: reservationResponseSchema },
        access: customer,
        limit: 'checkout',
        whileKeyInProgress: checkoutInProgress,
        summary: "Reserve every line of the caller's cart, all or nothing",
        async handle({ req, res }) {
          const userId = req.auth!.userId as UserId;
          const key = req.get('idempotency-key');
          // With a key, a retry after a failure it could not see resumes the same reservation.
          const keyed = key ? { reservationId: keyedIds(userId, 'reservations', key).reservationId } : {};
          const reservation = await services().reserveCart(userId, commandMetadata(req), keyed);
          await setCommandHeaders(res, store, { revision: undefined, position: reservation.position });
          return {
            status: 201,
            headers: { Location: `/api/v1/checkout/reservations/${reservation.reservationId}` },
            body: {
              reservation_id: reservation.reservationId,
              items: reservation.items.map((item) => ({
                product_id: item.product_id,
                ...(item.variant_id ? { variant_id: item.variant_id } : {}),
                quantity: item.quantity,
              })),
              expires_at: reservation.expiresAt,
            },
          };
        },
      }),
      route({
        method: 'delete',
        path: '/checkout/reservations/:reservation_id',
        response: { status: 204 },
        access: customer,
        params: z.object({ reservation_id: z.string() }),
        summary: 'Give a reservation back; its stock is available again',
        async handle({ params, req, res }) {
          const released = await services().releaseReservation({
            userId: req.auth!.userId as UserId,
            reservationId: idOr404('reservation', params.reservation_id, 'Reservation'),
            metadata: commandMetadata(req),
          });
          await setCommandHeaders(res, store, { revision: undefined, position: released.position });
          return { status: 204 };
        },
      }),
      route({
        method: 'post',
        path: '/orders',
        response: { status: 201, schema: orderBodySchema },
        access: customer,
        limit: 'checkout',
        whileKeyInProgress: checkoutInProgress,
        body: placeOrderSchema,
        summary: 'Place an order on a reservation (or the cart), pay it, confirm it',
        async handle({ body, req, res }) {
          await requireVerifiedEmail(ctx, req.auth!.userId);
          const placed = await services().placeOrder({
            arrivedAt: arrivedAt(req, ctx.clock),
            userId: req.auth!.userId as UserId,
            shippingAddress: body.shipping_address,
            billingAddress: body.billing_address,
            paymentMethod: body.payment_method,
            ...(body.reservation_id ? { reservationId: body.reservation_id as ReservationId } : {}),
            ...(req.get('idempotency-key') ? { idempotencyKey: req.get('idempotency-key') } : {}),
            metadata: commandMetadata(req),
          });
          await setCommandHeaders(res, store, placed);
          return {
            status: 201,
            headers: { Location: `/api/v1/orders/${placed.orderId}` },
            body: orderBody(placed.orderId, placed.state),
          };
        },
      }),
    ];
  };

export const checkoutRoutes: RouteModule = checkoutRoutesWith(checkoutServicesFor);
