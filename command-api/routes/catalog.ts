import type { Request, Response } from 'express';
import { requireRevision } from '../../application/commands/command-handler.ts';
import type { ProductCommand } from '../../domain/catalog/commands.ts';
import { type ProductState, productDecider, productStream } from '../../domain/catalog/product.ts';
import { stockDecider, stockStream } from '../../domain/inventory/stock.ts';
import { notFound } from '../../domain/shared/errors.ts';
import type { ProductId } from '../../domain/shared/ids.ts';
import { productResponseSchema } from '../catalog/catalog-responses.ts';
import { fileCategory } from '../catalog/category-commands.ts';
import { loadStock, productIdOr404, requireProduct } from '../catalog/lookups.ts';
import { productBody } from '../catalog/product-body.ts';
import {
  changeDetailsSchema,
  changePriceSchema,
  createProductSchema,
  detailChanges,
  productParams,
} from '../catalog/product-schemas.ts';
import type { CommandApiContext } from '../context.ts';
import { commandMetadata, expectedRevisionFrom, setCommandHeaders } from '../request-metadata.ts';
import { type AnyRoute, type Reply, type RouteModule, route } from '../routing.ts';

/** Catalog administration (API.md "Catalog and stock", admin only): list, change, reprice, discontinue. */
export const catalogRoutes: RouteModule = (ctx: CommandApiContext): AnyRoute[] => {
  const { handler, store, clock } = ctx;

  /** Runs one command on an existing product (If-Match honoured) and answers the whole product. */
  async function onProduct(
    req: Request,
    res: Response,
    productId: ProductId,
    command: ProductCommand,
  ): Promise<Reply> {
    const expectedRevision = expectedRevisionFrom(req);
    const result = await handler.handle({
      decider: productDecider,
      stream: productStream(productId),
      command,
      metadata: commandMetadata(req),
      expectedRevision,
    });
    if (result.state.status === 'unlisted') throw notFound('Product', productId);
    const stock = await loadStock(handler, productId);
    await setCommandHeaders(res, store, result);
    return { status: 200, body: productBody(result.state, stock) };
  }

  /**
   * Throws what the decider would refuse `command` with on `state` (a pure decision, nothing appended), so
   * a refused command has filed no category. The append decides again on the state it then reads.
   */
  const refusedFirst = (command: ProductCommand, state: ProductState) => {
    productDecider.decide(command, state);
  };

  return [
    route({
      method: 'post',
      path: '/products',
      response: { status: 201, schema: productResponseSchema },
      access: ['admin'],
      body: createProductSchema,
      summary: 'List a new product, optionally with its first stock (admin)',
      async handle({ body, req, res }) {
        const productId = ctx.ids('product') as ProductId;
        const now = clock().toISOString();
        const metadata = commandMetadata(req);
        const { initial_stock: initialStock, long_description: longDescription, ...fields } = body;
        const command: ProductCommand = {
          type: 'ListProduct',
          data: { ...fields, longDescription, productId, now },
        };
        refusedFirst(command, productDecider.initialState());
        await fileCategory(handler, fields.category, now, metadata);
        const listed = await handler.handle({
          decider: productDecider,
          stream: productStream(productId),
          metadata,
          command,
        });
        if (listed.state.status === 'unlisted') throw new Error('ListProduct decided no product');
        // A second stream, so a second append: the product is listed even if this one fails, and an
        // admin can then receive the stock with POST /inventory/{id}/receive.
        let stock = stockDecider.initialState();
        let position = listed.position;
        if (initialStock !== undefined && initialStock > 0) {
          const received = await handler.handle({
            decider: stockDecider,
            stream: stockStream(productId),
            metadata,
            command: { type: 'ReceiveStock', data: { productId, quantity: initialStock } },
          });
          stock = received.state;
          position = received.position ?? position;
        }
        await setCommandHeaders(res, store, { revision: listed.revision, position });
        return {
          status: 201,
          headers: { Location: `/api/v1/products/${productId}` },
          body: productBody(listed.state, stock),
        };
      },
    }),
    route({
      method: 'put',
      path: '/products/:product_id',
      response: { status: 200, schema: productResponseSchema },
      access: ['admin'],
      params: productParams,
      body: changeDetailsSchema,
      summary: "Change a product's descriptive fields (admin)",
      async handle({ body, params, req, res }) {
        const productId = productIdOr404(params.product_id);
        // Filed only for a change the product takes, so a refused change appends nothing: a stale If-Match
        // (412) or a change the decider refuses is refused before the category is filed.
        const { product, revision } = await requireProduct(handler, productId);
        requireRevision(productStream(productId), expectedRevisionFrom(req), revision);
        const now = clock().toISOString();
        const command: ProductCommand = {
          type: 'ChangeProductDetails',
          data: { productId, changes: detailChanges(body), now },
        };
        refusedFirst(command, product);
        if (product.status === 'listed')
          await fileCategory(handler, body.category ?? undefined, now, commandMetadata(req));
        return onProduct(req, res, productId, command);
      },
    }),
    route({
      method: 'put',
      path: '/products/:product_id/price',
      response: { status: 200, schema: productResponseSchema },
      access: ['admin'],
      params: productParams,
      body: changePriceSchema,
      summary: "Change a product's price (admin)",
      async handle({ body, params, req, res }) {
        const productId = productIdOr404(params.product_id);
        return onProduct(req, res, productId, {
          type: 'ChangePrice',
          data: {
            productId,
            price: body.price,
            ...(body.currency !== undefined ? { currency: body.currency } : {}),
            now: clock().toISOString(),
          },
        });
      },
    }),
    route({
      method: 'post',
      path: '/products/:product_id/discontinue',
      response: { status: 200, schema: productResponseSchema },
      access: ['admin'],
      params: productParams,
      summary: 'Withdraw a product from sale (admin)',
      async handle({ params, req, res }) {
        const productId = productIdOr404(params.product_id);
        return onProduct(req, res, productId, {
          type: 'DiscontinueProduct',
          data: { productId, now: clock().toISOString() },
        });
      },
    }),
  ];
};
