import { z } from 'zod';
import type { LifecycleStep } from '../../application/checkout/order-commands.ts';
import type { CheckoutServices } from '../../application/checkout/services.ts';
import { MAX_TEXT_LENGTH, MAX_TRACKING_NUMBER_LENGTH } from '../../domain/ordering/commands.ts';
import type { UserId } from '../../domain/shared/ids.ts';
import { orderBodySchema } from '../../infra/http/order-schema.ts';
import { idOr404 } from '../../infra/http/path-ids.ts';
import { cancellationResponseSchema } from '../checkout/checkout-responses.ts';
import { checkoutServicesFor } from '../checkout/from-context.ts';
import { orderBody } from '../checkout/order-view.ts';
import type { CommandApiContext } from '../context.ts';
import { commandMetadata, expectedRevisionFrom, setCommandHeaders } from '../request-metadata.ts';
import { type AnyRoute, type RouteModule, route } from '../routing.ts';

const orderParams = z.object({ order_id: z.string() });

/** Orders after placement (API.md "Orders (admin)" and cancel): the status machine's moves. */
export const orderRoutesWith =
  (servicesFor: (ctx: CommandApiContext) => CheckoutServices): RouteModule =>
  (ctx: CommandApiContext): AnyRoute[] => {
    const { store } = ctx;
    const services = () => servicesFor(ctx);
    const lifecycle = (
      path: string,
      summary: string,
      move: (body: { tracking_number?: string }) => LifecycleStep,
      body?: z.ZodType,
    ) =>
      route({
        method: 'post',
        path: `/orders/:order_id/${path}`,
        response: { status: 200, schema: orderBodySchema },
        access: ['admin'],
        params: orderParams,
        ...(body ? { body } : {}),
        summary,
        async handle({ params, body: input, req, res }) {
          const orderId = idOr404('order', params.order_id, 'Order');
          const result = await services().advanceOrder(
            orderId,
            move((input ?? {}) as { tracking_number?: string }),
            commandMetadata(req),
            expectedRevisionFrom(req),
          );
          await setCommandHeaders(res, store, result);
          return { status: 200, body: orderBody(orderId, result.state) };
        },
      });

    return [
      route({
        method: 'post',
        path: '/orders/:order_id/cancel',
        response: { status: 200, schema: cancellationResponseSchema },
        access: 'authenticated',
        params: orderParams,
        body: z.object({ reason: z.string().trim().min(1).max(MAX_TEXT_LENGTH) }),
        summary: 'Cancel an order (owner or admin); stock back, full refund when paid',
        async handle({ params, body, req, res }) {
          const cancelled = await services().cancelOrder({
            orderId: idOr404('order', params.order_id, 'Order'),
            actor: { userId: req.auth!.userId as UserId, role: req.auth!.role },
            reason: body.reason,
            metadata: commandMetadata(req),
            expectedRevision: expectedRevisionFrom(req),
          });
          await setCommandHeaders(res, store, cancelled);
          return { status: 200, body: cancelled.body };
        },
      }),
      lifecycle('process', 'Start fulfilment (confirmed → processing)', () => ({ type: 'ProcessOrder' })),
      lifecycle(
        'ship',
        'Hand to the carrier (processing → shipped)',
        (body) => ({ type: 'ShipOrder', trackingNumber: body.tracking_number ?? '' }),
        z.object({ tracking_number: z.string().trim().min(1).max(MAX_TRACKING_NUMBER_LENGTH) }),
      ),
      lifecycle('deliver', 'Delivered (shipped → delivered)', () => ({ type: 'DeliverOrder' })),
    ];
  };

export const orderRoutes: RouteModule = orderRoutesWith(checkoutServicesFor);
