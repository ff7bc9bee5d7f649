import type { RequestHandler } from 'express';
import { z } from 'zod';
import { createPricingReadModel } from '../../application/read-models/pricing-read-model.ts';
import { atLeastOneCent, priceLine } from '../../domain/pricing/price-calculation.ts';
import { tiers } from '../../domain/pricing/tiers.ts';
import { notFound } from '../../domain/shared/errors.ts';
import { isId } from '../../domain/shared/ids.ts';
import { presentQuote, presentRule } from '../../infra/http/pricing-body.ts';
import { priceQuoteSchema, pricingRuleSchema } from '../../infra/http/pricing-schema.ts';
import { servingSchema } from '../consistency.ts';
import type { RouteContext } from '../route-context.ts';
import { type AnyQueryRoute, route } from '../routing.ts';
import { productParams } from './catalog-routes.ts';

/** GET /pricing/{product_id}/price query: quantity 1..1,000,000 (0 or anything else is 400 VAL_2001). */
export const priceQuery = z.object({
  quantity: z
    .string()
    .regex(/^\d{1,7}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1, 'must be at least 1').max(1_000_000))
    .default(1),
  variant_id: z.string().min(1).max(128).optional(),
  tier: z.enum(tiers).optional(),
});

/**
 * GET /pricing/rules (admin) and GET /pricing/{product_id}/price (anyone). The price uses the caller's
 * own tier from the tier read model (none when anonymous); an admin may name another with `tier`,
 * which a customer's request ignores (the answer's `tier` says which one priced it).
 */
export const pricingRoutes = (context: RouteContext): AnyQueryRoute[] => {
  const pricing = createPricingReadModel(context.db);
  // Signed-in callers get their own tier; no Authorization header prices as an anonymous visitor.
  const optionalAuth: RequestHandler = (req, res, next) =>
    req.get('authorization') === undefined ? next() : context.authenticate(req, res, next);

  return [
    route({
      method: 'get',
      path: '/pricing/rules',
      access: ['admin'],
      reads: ['pricing'],
      response: { status: 200, schema: z.object({ rules: z.array(pricingRuleSchema) }) },
      summary: 'Every pricing rule (admin)',
      async handle() {
        const rules = await pricing.allRules(servingSchema(context.watcher, 'pricing'));
        const now = context.clock();
        return { status: 200, body: { rules: rules.map((rule) => presentRule(rule, now)) } };
      },
    }),
    route({
      method: 'get',
      path: '/pricing/:product_id/price',
      access: 'public',
      afterSignIn: [optionalAuth],
      reads: ['catalog', 'pricing', 'variants'],
      params: productParams,
      query: priceQuery,
      response: { status: 200, schema: priceQuoteSchema },
      summary: "A product's price for a quantity, with each pricing step",
      async handle({ params, query: q, req }) {
        const productId = params.product_id;
        if (!isId('product', productId)) throw notFound('Product', productId);
        const facts = context.pricingFacts;
        const catalogSchema = servingSchema(context.watcher, 'catalog');
        const product = (await facts.products(catalogSchema, [productId])).get(productId);
        if (!product || product.discontinued) throw notFound('Product', productId);
        // A variant adds its signed adjustment (the `variant` step); an unknown or retired one is 404.
        const variant =
          q.variant_id === undefined
            ? undefined
            : (await facts.variants(servingSchema(context.watcher, 'variants'), [productId]))
                .get(productId)
                ?.find((v) => v.variantId === q.variant_id && v.status === 'active');
        if (q.variant_id !== undefined && !variant) throw notFound('Variant', q.variant_id);
        const schema = servingSchema(context.watcher, 'pricing');
        const auth = req.auth;
        const tier =
          auth?.role === 'admin'
            ? (q.tier ?? 'none')
            : auth
              ? await facts.tierOf(schema, auth.userId)
              : 'none';
        const now = context.clock();
        const scoped = { productId, category: product.category, categories: product.categories };
        const rules = (await facts.rules(schema))(scoped);
        const quoted = priceLine({
          product: { ...scoped, price: product.price },
          ...(variant
            ? {
                variant: {
                  variantId: variant.variantId,
                  label: `Variant ${variant.sku}`,
                  adjustment: variant.adjustment,
                },
              }
            : {}),
          quantity: q.quantity,
          tier,
          rules,
          now: now.toISOString(),
        });
        // What the cart and the order charge for it: never below one cent.
        const quote = atLeastOneCent(quoted, q.quantity);
        const body = presentQuote(
          {
            productId,
            variantId: variant?.variantId ?? null,
            quantity: q.quantity,
            tier,
            currency: product.currency,
          },
          quote,
        );
        return { status: 200, body };
      },
    }),
  ];
};
