import type { Request, Response } from 'express';
import type { VariantCommand } from '../../domain/catalog/commands.ts';
import { productDecider, productStream } from '../../domain/catalog/product.ts';
import { stockDecider, stockStream } from '../../domain/inventory/stock.ts';
import { notFound } from '../../domain/shared/errors.ts';
import { isId, type ProductId, type VariantId } from '../../domain/shared/ids.ts';
import { productIdOr404 } from '../catalog/lookups.ts';
import { productParams } from '../catalog/product-schemas.ts';
import {
  addVariantSchema,
  changeVariantSchema,
  variantBody,
  variantParams,
  variantResponseSchema,
} from '../catalog/variant-body.ts';
import type { CommandApiContext } from '../context.ts';
import { commandMetadata, expectedRevisionFrom, setCommandHeaders } from '../request-metadata.ts';
import { type AnyRoute, type Reply, type RouteModule, route } from '../routing.ts';

const variantIdOr404 = (value: string): VariantId => {
  if (!isId('variant', value)) throw notFound('Variant', value);
  return value;
};

/** Variants administration (API.md "Variants", admin only): add, change, retire. */
export const variantRoutes: RouteModule = (ctx: CommandApiContext): AnyRoute[] => {
  const { handler, store, clock } = ctx;

  /** Runs one variant command on the product's stream (If-Match honoured); answers the variant. */
  async function onVariant(
    req: Request,
    res: Response,
    productId: ProductId,
    variantId: VariantId,
    command: VariantCommand,
    status = 200,
  ): Promise<Reply> {
    const expectedRevision = expectedRevisionFrom(req);
    const result = await handler.handle({
      decider: productDecider,
      stream: productStream(productId),
      command,
      metadata: commandMetadata(req),
      expectedRevision,
    });
    const variant = result.state.status === 'unlisted' ? undefined : result.state.variants?.[variantId];
    if (result.state.status === 'unlisted' || !variant) throw notFound('Variant', variantId);
    await setCommandHeaders(res, store, result);
    return { status, body: variantBody(result.state, variant) };
  }

  return [
    route({
      method: 'post',
      path: '/products/:product_id/variants',
      access: ['admin'],
      response: { status: 201, schema: variantResponseSchema },
      params: productParams,
      body: addVariantSchema,
      summary: 'Add a variant (SKU, options, signed price adjustment, optional first stock) (admin)',
      async handle({ body, params, req, res }) {
        const productId = productIdOr404(params.product_id);
        const variantId = ctx.ids('variant') as VariantId;
        const now = clock().toISOString();
        const reply = await onVariant(
          req,
          res,
          productId,
          variantId,
          {
            type: 'AddVariant',
            data: {
              productId,
              variantId,
              sku: body.sku,
              options: body.options,
              priceAdjustment: body.price_adjustment,
              now,
            },
          },
          201,
        );
        // The variant's stock is its own stream: a second append, after the variant exists.
        if (body.initial_stock !== undefined && body.initial_stock > 0) {
          const received = await handler.handle({
            decider: stockDecider,
            stream: stockStream(productId, variantId),
            metadata: commandMetadata(req),
            command: {
              type: 'ReceiveStock',
              data: { productId, variantId, quantity: body.initial_stock },
            },
          });
          await setCommandHeaders(res, store, { revision: undefined, position: received.position });
        }
        return {
          ...reply,
          headers: { Location: `/api/v1/products/${productId}/variants/${variantId}` },
        };
      },
    }),
    route({
      method: 'put',
      path: '/products/:product_id/variants/:variant_id',
      access: ['admin'],
      response: { status: 200, schema: variantResponseSchema },
      params: variantParams,
      body: changeVariantSchema,
      summary: "Change a variant's SKU, options or price adjustment (admin)",
      async handle({ body, params, req, res }) {
        const productId = productIdOr404(params.product_id);
        const variantId = variantIdOr404(params.variant_id);
        return onVariant(req, res, productId, variantId, {
          type: 'ChangeVariant',
          data: {
            productId,
            variantId,
            changes: {
              ...(body.sku !== undefined ? { sku: body.sku } : {}),
              ...(body.options !== undefined ? { options: body.options } : {}),
              ...(body.price_adjustment !== undefined ? { priceAdjustment: body.price_adjustment } : {}),
            },
            now: clock().toISOString(),
          },
        });
      },
    }),
    route({
      method: 'post',
      path: '/products/:product_id/variants/:variant_id/retire',
      access: ['admin'],
      response: { status: 200, schema: variantResponseSchema },
      params: variantParams,
      summary: 'Withdraw a variant from sale; orders holding it stay readable (admin)',
      async handle({ params, req, res }) {
        const productId = productIdOr404(params.product_id);
        const variantId = variantIdOr404(params.variant_id);
        return onVariant(req, res, productId, variantId, {
          type: 'RetireVariant',
          data: { productId, variantId, now: clock().toISOString() },
        });
      },
    }),
  ];
};
