import type { Request, Response } from 'express';
import { z } from 'zod';
import type { StockCommand } from '../../domain/inventory/commands.ts';
import { stockDecider, stockStream } from '../../domain/inventory/stock.ts';
import type { ProductId, VariantId } from '../../domain/shared/ids.ts';
import { stockLevelsSchema } from '../../infra/http/catalog-schema.ts';
import { productIdOr404, requireProduct } from '../catalog/lookups.ts';
import { stockBody } from '../catalog/product-body.ts';
import { productParams } from '../catalog/product-schemas.ts';
import { stockVariantOf } from '../catalog/variant-lookups.ts';
import type { CommandApiContext } from '../context.ts';
import { commandMetadata, expectedRevisionFrom, setCommandHeaders } from '../request-metadata.ts';
import { type AnyRoute, type Reply, type RouteModule, route } from '../routing.ts';

// Types are checked here; ranges by the stock decider (BIZ_4002 naming the bounds, reason required).
// variant_id: required when the product has variants (checked against the product, see variant-lookups.ts).
const variantField = { variant_id: z.string().optional() };
const receiveSchema = z.object({ quantity: z.number(), ...variantField });
const adjustSchema = z.object({ quantity: z.number(), reason: z.string(), ...variantField });

/** Stock administration (API.md "Catalog and stock", admin only): receive and adjust. */
export const inventoryRoutes: RouteModule = (ctx: CommandApiContext): AnyRoute[] => {
  const { handler, store } = ctx;

  async function onStock(
    req: Request,
    res: Response,
    productId: ProductId,
    requestedVariant: string | undefined,
    command: (variant: { variantId?: VariantId }) => StockCommand,
  ): Promise<Reply> {
    // Stock is kept only for a listed product (a discontinued one may still be counted and corrected).
    const { product } = await requireProduct(handler, productId);
    const variantId = stockVariantOf(product, requestedVariant);
    const expectedRevision = expectedRevisionFrom(req);
    const result = await handler.handle({
      decider: stockDecider,
      stream: stockStream(productId, variantId),
      command: command(variantId ? { variantId } : {}),
      metadata: commandMetadata(req),
      expectedRevision,
    });
    await setCommandHeaders(res, store, result);
    return { status: 200, body: stockBody(productId, result.state) };
  }

  return [
    route({
      method: 'post',
      path: '/inventory/:product_id/receive',
      response: { status: 200, schema: stockLevelsSchema },
      access: ['admin'],
      params: productParams,
      body: receiveSchema,
      summary: 'Receive goods into stock, 1..1,000,000 units; per variant when it has variants (admin)',
      async handle({ body, params, req, res }) {
        const productId = productIdOr404(params.product_id);
        return onStock(req, res, productId, body.variant_id, (variant) => ({
          type: 'ReceiveStock',
          data: { productId, ...variant, quantity: body.quantity },
        }));
      },
    }),
    route({
      method: 'post',
      path: '/inventory/:product_id/adjust',
      response: { status: 200, schema: stockLevelsSchema },
      access: ['admin'],
      params: productParams,
      body: adjustSchema,
      summary: 'Correct the stock on hand by a signed quantity, never below what is reserved (admin)',
      async handle({ body, params, req, res }) {
        const productId = productIdOr404(params.product_id);
        return onStock(req, res, productId, body.variant_id, (variant) => ({
          type: 'AdjustStock',
          data: { productId, ...variant, quantity: body.quantity, reason: body.reason },
        }));
      },
    }),
  ];
};
