import { z } from 'zod';
import { instant, money } from '../../infra/http/response-fields.ts';

/** POST /checkout/reservations (201). */
export const reservationResponseSchema = z
  .object({
    reservation_id: z.string(),
    items: z.array(
      z.object({
        product_id: z.string(),
        variant_id: z.string().optional().describe('the variant reserved (a product sold per variant)'),
        quantity: z.number().int(),
      }),
    ),
    expires_at: instant,
  })
  .meta({ id: 'Reservation' });

/** POST /orders/{order_id}/cancel (cancelOrder in order-commands.ts). */
export const cancellationResponseSchema = z
  .object({
    order_id: z.string(),
    status: z.literal('cancelled'),
    cancelled_at: instant,
    reason: z.string(),
    refund_status: z.enum(['none', 'pending', 'refunded']),
    refund_amount: money,
  })
  .meta({ id: 'Cancellation' });
