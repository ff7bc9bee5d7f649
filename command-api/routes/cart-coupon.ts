import type { Request, Response } from 'express';
import { z } from 'zod';
import { cartDecider, cartStream } from '../../domain/cart/cart.ts';
import type { CartCommand } from '../../domain/cart/commands.ts';
import { couponDecider, couponStream, usageOf } from '../../domain/pricing/coupon.ts';
import { couponDiscount } from '../../domain/pricing/coupon-evaluation.ts';
import { normaliseCouponCode } from '../../domain/pricing/validation.ts';
import { notFound } from '../../domain/shared/errors.ts';
import type { UserId } from '../../domain/shared/ids.ts';
import { cartBodySchema } from '../../infra/http/cart-schema.ts';
import { listPricesOnly } from '../../infra/pricing/pricing-source.ts';
import { cartBody, cartPricing } from '../cart/cart-body.ts';
import type { CommandApiContext } from '../context.ts';
import { commandMetadata, expectedRevisionFrom, setCommandHeaders } from '../request-metadata.ts';
import { type AnyRoute, type Reply, type RouteModule, route } from '../routing.ts';

const couponCodeSchema = z.object({ code: z.string().min(1).max(64) });

/**
 * POST /cart/coupon and DELETE /cart/coupon (API.md "Pricing rules, customer tiers, coupons"): an unknown
 * code is 404 RES_3001; one that cannot be used on this cart now (window, redemptions left, the
 * customer's own uses, the minimum on the subtotal after rules, an empty cart) is 409 BIZ_4009. The
 * check here is advice: the redemption at order placement decides, on the coupon's own stream.
 */
export const cartCouponRoutes: RouteModule = (ctx: CommandApiContext): AnyRoute[] => {
  const { handler, store, clock, config } = ctx;
  const rules = ctx.pricingRules ?? listPricesOnly;
  const caller = (req: Request) => req.auth!.userId as UserId;

  async function onCart(req: Request, res: Response, command: CartCommand): Promise<Reply> {
    const userId = caller(req);
    const expectedRevision = expectedRevisionFrom(req);
    const result = await handler.handle({
      decider: cartDecider,
      stream: cartStream(userId),
      command,
      metadata: commandMetadata(req),
      expectedRevision,
    });
    await setCommandHeaders(res, store, result);
    const pricing = await cartPricing({ handler, rules, now: clock() }, result.state, userId);
    return { status: 200, body: cartBody(result.state, { taxRate: config.TAX_RATE, userId, pricing }) };
  }

  return [
    route({
      method: 'post',
      path: '/cart/coupon',
      response: { status: 200, schema: cartBodySchema },
      access: ['customer'],
      body: couponCodeSchema,
      summary: 'Put a coupon on the cart (404 unknown code, 409 BIZ_4009 not usable on this cart)',
      async handle({ body, req, res }) {
        const code = normaliseCouponCode(body.code);
        const userId = caller(req);
        const [{ state: coupon }, { state: cart }] = await Promise.all([
          handler.load(couponDecider, couponStream(code)),
          handler.load(cartDecider, cartStream(userId)),
        ]);
        if (coupon.status === 'none') throw notFound('Coupon', code);
        const pricing = await cartPricing(
          { handler, rules, now: clock() },
          { ...cart, coupon: null },
          userId,
        );
        const subtotal = cart.lines.reduce(
          (sum, line) =>
            sum + (pricing.lines.get(line.productId)?.unitPrice ?? line.unitPrice) * line.quantity,
          0,
        );
        couponDiscount(code, coupon.terms, usageOf(coupon, userId), { subtotal, now: clock().toISOString() });
        return onCart(req, res, {
          type: 'ApplyCartCoupon',
          data: {
            userId,
            coupon: { code, reduction: coupon.terms.reduction, minSubtotal: coupon.terms.minSubtotal },
            now: clock().toISOString(),
          },
        });
      },
    }),
    route({
      method: 'delete',
      path: '/cart/coupon',
      response: { status: 200, schema: cartBodySchema },
      access: ['customer'],
      summary: 'Take the coupon off the cart',
      async handle({ req, res }) {
        return onCart(req, res, {
          type: 'RemoveCartCoupon',
          data: { userId: caller(req), now: clock().toISOString() },
        });
      },
    }),
  ];
};
