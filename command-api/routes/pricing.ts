import type { Request, Response } from 'express';
import { userStreamName } from '../../domain/identity/events.ts';
import { user as userDecider } from '../../domain/identity/user.ts';
import type { PricingRuleCommand } from '../../domain/pricing/commands.ts';
import { couponDecider, couponStream } from '../../domain/pricing/coupon.ts';
import { customerTierDecider, customerTierStream } from '../../domain/pricing/customer-tier.ts';
import { pricingRuleDecider, pricingRuleStream } from '../../domain/pricing/pricing-rule.ts';
import type { RuleDefinition } from '../../domain/pricing/rule.ts';
import { notFound } from '../../domain/shared/errors.ts';
import { isId, type UserId } from '../../domain/shared/ids.ts';
import { presentCoupon, presentRule } from '../../infra/http/pricing-body.ts';
import { couponSchema, pricingRuleSchema } from '../../infra/http/pricing-schema.ts';
import { loadProduct } from '../catalog/lookups.ts';
import type { CommandApiContext } from '../context.ts';
import { tierResponseSchema } from '../identity/identity-responses.ts';
import {
  couponBodySchema,
  couponTermsOf,
  ruleBodySchema,
  ruleDefinitionOf,
  ruleParams,
  tierBodySchema,
  userParams,
} from '../pricing/pricing-schemas.ts';
import { commandMetadata, expectedRevisionFrom, setCommandHeaders } from '../request-metadata.ts';
import { type AnyRoute, type Reply, type RouteModule, route } from '../routing.ts';

/** Pricing administration (API.md "Pricing rules, customer tiers, coupons"): rules, coupons, tiers. */
export const pricingRoutes: RouteModule = (ctx: CommandApiContext): AnyRoute[] => {
  const { handler, store, clock } = ctx;

  /** The price of the product a product-scoped rule names (null: no such product), for the amount check. */
  async function productPriceFor(definition: RuleDefinition) {
    if (definition.scope.type !== 'product') return {};
    const { productId } = definition.scope;
    if (!isId('product', productId)) return {};
    const found = await loadProduct(handler, productId);
    return { productPrice: found ? found.product.price : null };
  }

  async function onRule(
    req: Request,
    res: Response,
    ruleId: string,
    command: PricingRuleCommand,
    status = 200,
  ) {
    const expectedRevision = expectedRevisionFrom(req);
    const result = await handler.handle({
      decider: pricingRuleDecider,
      stream: pricingRuleStream(ruleId),
      command,
      metadata: commandMetadata(req),
      expectedRevision,
    });
    if (result.state.status === 'none') throw notFound('Pricing rule', ruleId);
    await setCommandHeaders(res, store, result);
    const headers: Record<string, string> =
      status === 201 ? { Location: `/api/v1/pricing/rules/${ruleId}` } : {};
    return { status, headers, body: presentRule(result.state.rule, clock()) } satisfies Reply;
  }

  const ruleIdOr404 = (value: string) => {
    if (!isId('pricingRule', value)) throw notFound('Pricing rule', value);
    return value;
  };

  return [
    route({
      method: 'post',
      path: '/pricing/rules',
      response: { status: 201, schema: pricingRuleSchema },
      access: ['admin'],
      body: ruleBodySchema,
      summary: 'Define a pricing rule: a sale, a quantity break or a tier discount (admin)',
      async handle({ body, req, res }) {
        const ruleId = ctx.ids('pricingRule');
        const definition = ruleDefinitionOf(body);
        return onRule(
          req,
          res,
          ruleId,
          {
            type: 'CreatePricingRule',
            data: { ruleId, definition, ...(await productPriceFor(definition)), now: clock().toISOString() },
          },
          201,
        );
      },
    }),
    route({
      method: 'put',
      path: '/pricing/rules/:rule_id',
      response: { status: 200, schema: pricingRuleSchema },
      access: ['admin'],
      params: ruleParams,
      body: ruleBodySchema,
      summary: "Replace a pricing rule's definition (admin)",
      async handle({ body, params, req, res }) {
        const ruleId = ruleIdOr404(params.rule_id);
        const definition = ruleDefinitionOf(body);
        return onRule(req, res, ruleId, {
          type: 'ChangePricingRule',
          data: { ruleId, definition, ...(await productPriceFor(definition)), now: clock().toISOString() },
        });
      },
    }),
    route({
      method: 'post',
      path: '/pricing/rules/:rule_id/disable',
      response: { status: 200, schema: pricingRuleSchema },
      access: ['admin'],
      params: ruleParams,
      summary: 'Disable a pricing rule for good (admin)',
      async handle({ params, req, res }) {
        const ruleId = ruleIdOr404(params.rule_id);
        return onRule(req, res, ruleId, {
          type: 'DisablePricingRule',
          data: { ruleId, now: clock().toISOString() },
        });
      },
    }),
    route({
      method: 'post',
      path: '/coupons',
      response: { status: 201, schema: couponSchema },
      access: ['admin'],
      body: couponBodySchema,
      summary: 'Create a coupon code (admin)',
      async handle({ body, req, res }) {
        const terms = couponTermsOf(body);
        const result = await handler.handle({
          decider: couponDecider,
          stream: couponStream(body.code),
          command: { type: 'CreateCoupon', data: { code: body.code, terms, now: clock().toISOString() } },
          metadata: commandMetadata(req),
        });
        await setCommandHeaders(res, store, result);
        // No Location: there is no GET for one coupon yet.
        return { status: 201, body: presentCoupon(body.code, terms, 0) };
      },
    }),
    route({
      method: 'post',
      path: '/users/:user_id/tier',
      response: { status: 200, schema: tierResponseSchema },
      access: ['admin'],
      params: userParams,
      body: tierBodySchema,
      summary: "Set a customer's tier (admin)",
      async handle({ body, params, req, res }) {
        const userId = params.user_id;
        if (!isId('user', userId)) throw notFound('User', userId);
        const { state } = await handler.load(userDecider, userStreamName(userId));
        if (state.status !== 'registered') throw notFound('User', userId);
        const expectedRevision = expectedRevisionFrom(req);
        const result = await handler.handle({
          decider: customerTierDecider,
          stream: customerTierStream(userId as UserId),
          command: {
            type: 'SetCustomerTier',
            data: { userId: userId as UserId, tier: body.tier, source: 'admin', now: clock().toISOString() },
          },
          metadata: commandMetadata(req),
          expectedRevision,
        });
        await setCommandHeaders(res, store, result);
        return { status: 200, body: { user_id: userId, tier: result.state.tier } };
      },
    }),
  ];
};
