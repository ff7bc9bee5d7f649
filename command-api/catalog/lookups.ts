import type { CommandHandler } from '../../application/commands/command-handler.ts';
import { type ListedProduct, productDecider, productStream } from '../../domain/catalog/product.ts';
import { type StockState, stockDecider, stockStream } from '../../domain/inventory/stock.ts';
import { notFound } from '../../domain/shared/errors.ts';
import type { ProductId, VariantId } from '../../domain/shared/ids.ts';
import { idOr404 } from '../../infra/http/path-ids.ts';

/**
 * A product id from a path or body. Anything that is not a `prd_` id cannot name a product, so it is
 * answered as an unknown product (404), exactly like a well-formed id that was never listed.
 */
export const productIdOr404 = (value: string): ProductId => idOr404('product', value, 'Product');

/** The product as its own stream says now, or undefined when it was never listed. */
export async function loadProduct(handler: Pick<CommandHandler, 'load'>, productId: ProductId) {
  const { state, revision } = await handler.load(productDecider, productStream(productId));
  return state.status === 'unlisted' ? undefined : { product: state, revision };
}

/** The product, listed or discontinued; 404 RES_3001 when it was never listed. */
export async function requireProduct(
  handler: Pick<CommandHandler, 'load'>,
  productId: ProductId,
): Promise<{ product: ListedProduct; revision: bigint | undefined }> {
  const found = await loadProduct(handler, productId);
  if (!found) throw notFound('Product', productId);
  return found;
}

/** The product's (or its variant's) stock item (levels zero when nothing was ever received). */
export async function loadStock(
  handler: Pick<CommandHandler, 'load'>,
  productId: ProductId,
  variantId?: string,
): Promise<StockState> {
  return (await handler.load(stockDecider, stockStream(productId, variantId as VariantId | undefined))).state;
}
