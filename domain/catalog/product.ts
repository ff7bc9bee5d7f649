import { type Decider, unreachable } from '../shared/decider.ts';
import { alreadyExists, illegalTransition, invalid, notFound } from '../shared/errors.ts';
import type { ProductId } from '../shared/ids.ts';
import { DEFAULT_CURRENCY } from '../shared/money.ts';
import type {
  ChangePrice,
  ChangeProductDetails,
  DiscontinueProduct,
  ListProduct,
  ProductCommand,
  ProductDetails,
} from './commands.ts';
import type { ProductEvent } from './events.ts';
import {
  checkCategory,
  checkCurrency,
  checkDetail,
  checkImages,
  checkName,
  checkOptionalText,
  checkPrice,
  checkSpecifications,
  Problems,
} from './product-validation.ts';
import { fromStoredDetails, toStoredDetails } from './stored-details.ts';
import {
  activeVariants,
  addVariant,
  changeVariant,
  evolveVariants,
  retireVariant,
  type Variants,
} from './variants.ts';

/** One stream per product. */
export const productStream = (productId: ProductId) => `product-${productId}`;

export type ListedProduct = {
  status: 'listed' | 'discontinued';
  productId: ProductId;
  details: ProductDetails;
  price: number;
  currency: string;
  listedAt: string;
  updatedAt: string;
  discontinuedAt: string | null;
  /** Absent until the first variant is added (so states of products without variants keep their shape). */
  variants?: Variants;
};
export type ProductState = { status: 'unlisted' } | ListedProduct;

export const initialState = (): ProductState => ({ status: 'unlisted' });

export function decide(command: ProductCommand, state: ProductState): ProductEvent[] {
  switch (command.type) {
    case 'ListProduct':
      return listProduct(command, state);
    case 'ChangeProductDetails':
      return changeDetails(command, changeable(state, command.data.productId, 'change the details of'));
    case 'ChangePrice':
      return changePrice(command, changeable(state, command.data.productId, 'change the price of'));
    case 'DiscontinueProduct':
      return discontinue(command, existing(state, command.data.productId));
    case 'AddVariant':
      return addVariant(command, changeable(state, command.data.productId, 'add a variant to'));
    case 'ChangeVariant':
      return changeVariant(command, changeable(state, command.data.productId, 'change a variant of'));
    case 'RetireVariant':
      return retireVariant(command, existing(state, command.data.productId));
    default:
      return unreachable(command);
  }
}

function existing(state: ProductState, productId: ProductId): ListedProduct {
  if (state.status === 'unlisted') throw notFound('Product', productId);
  return state;
}

function changeable(state: ProductState, productId: ProductId, action: string): ListedProduct {
  const product = existing(state, productId);
  if (product.status === 'discontinued') throw illegalTransition('product', 'discontinued', action);
  return product;
}

function listProduct({ data }: ListProduct, state: ProductState): ProductEvent[] {
  if (state.status !== 'unlisted') throw alreadyExists(`Product ${data.productId}`);
  const problems = new Problems();
  const details: ProductDetails = {
    name: checkName(data.name, problems),
    description: checkOptionalText('description', data.description, problems),
    longDescription: checkOptionalText('longDescription', data.longDescription, problems),
    category: checkCategory(data.category, problems),
    subcategory: checkOptionalText('subcategory', data.subcategory, problems),
    brand: checkOptionalText('brand', data.brand, problems),
    sku: checkOptionalText('sku', data.sku, problems),
    images: checkImages(data.images, problems),
    specifications: checkSpecifications(data.specifications, problems),
  };
  const event = {
    schema_version: 1 as const,
    product_id: data.productId,
    ...toStoredDetails(details),
    price: checkPrice(data.price, problems),
    currency: checkCurrency(data.currency ?? DEFAULT_CURRENCY, problems),
    listed_at: data.now,
  };
  problems.throwIfAny();
  return [{ type: 'ProductListed', data: event }];
}

// Emits only the fields whose value actually changes; a change that changes nothing decides no event,
// so a client retrying the same PUT appends nothing. A request naming no field at all is refused,
// since it is almost certainly a client bug (e.g. misspelt field names).
function changeDetails({ data }: ChangeProductDetails, product: ListedProduct): ProductEvent[] {
  const given = (Object.keys(data.changes) as (keyof ProductDetails)[]).filter(
    (field) => field in product.details && data.changes[field] !== undefined,
  );
  if (given.length === 0) throw invalid('body', 'give at least one descriptive field to change');
  const problems = new Problems();
  const changes: Partial<ProductDetails> = {};
  for (const field of given) {
    const value = checkDetail(field, data.changes[field], problems);
    if (JSON.stringify(value) !== JSON.stringify(product.details[field]))
      Object.assign(changes, { [field]: value });
  }
  problems.throwIfAny();
  if (Object.keys(changes).length === 0) return [];
  return [
    {
      type: 'ProductDetailsChanged',
      data: {
        schema_version: 1,
        product_id: product.productId,
        changes: toStoredDetails(changes),
        changed_at: data.now,
      },
    },
  ];
}

function changePrice({ data }: ChangePrice, product: ListedProduct): ProductEvent[] {
  const problems = new Problems();
  const price = checkPrice(data.price, problems);
  if (data.currency !== undefined && data.currency !== product.currency)
    problems.add('currency', `must be ${product.currency}, the product's currency`);
  // Every variant still on sale must keep a positive price after the change.
  const lowest = Math.min(0, ...activeVariants(product.variants).map((v) => v.priceAdjustment));
  if (lowest < 0 && price + lowest < 1) problems.add('price', 'would make a variant cost zero or less');
  problems.throwIfAny();
  if (price === product.price) return [];
  return [
    {
      type: 'PriceChanged',
      data: {
        schema_version: 1,
        product_id: product.productId,
        old_price: product.price,
        new_price: price,
        currency: product.currency,
        changed_at: data.now,
      },
    },
  ];
}

// Discontinuing twice is a no-op rather than BIZ_4006: the admin asked for a state the product is
// already in, so a retried POST (lost response, no Idempotency-Key) succeeds and appends nothing.
function discontinue({ data }: DiscontinueProduct, product: ListedProduct): ProductEvent[] {
  if (product.status === 'discontinued') return [];
  return [
    {
      type: 'ProductDiscontinued',
      data: { schema_version: 1, product_id: product.productId, discontinued_at: data.now },
    },
  ];
}

export function evolve(state: ProductState, event: ProductEvent): ProductState {
  switch (event.type) {
    case 'ProductListed': {
      const { schema_version: _, product_id, price, currency, listed_at, ...details } = event.data;
      return {
        status: 'listed',
        productId: product_id,
        details: fromStoredDetails(details),
        price,
        currency,
        listedAt: listed_at,
        updatedAt: listed_at,
        discontinuedAt: null,
      };
    }
    case 'ProductDetailsChanged':
      if (state.status === 'unlisted') return state;
      return {
        ...state,
        details: { ...state.details, ...fromStoredDetails(event.data.changes) },
        updatedAt: event.data.changed_at,
      };
    case 'PriceChanged':
      if (state.status === 'unlisted') return state;
      return { ...state, price: event.data.new_price, updatedAt: event.data.changed_at };
    case 'ProductDiscontinued':
      if (state.status === 'unlisted') return state;
      return {
        ...state,
        status: 'discontinued',
        discontinuedAt: event.data.discontinued_at,
        updatedAt: event.data.discontinued_at,
      };
    case 'VariantAdded':
    case 'VariantChanged':
    case 'VariantRetired':
      if (state.status === 'unlisted') return state;
      return { ...state, variants: evolveVariants(state.variants, event) };
    default:
      return unreachable(event);
  }
}

export const productDecider: Decider<ProductCommand, ProductEvent, ProductState> = {
  decide,
  evolve,
  initialState,
};

/**
 * What the cart needs to know of a product (AddItemToCart's `product`), read from its state by the
 * command handler; null when the product was never listed.
 */
export function productForCart(state: ProductState) {
  if (state.status === 'unlisted') return null;
  return {
    productId: state.productId,
    name: state.details.name,
    price: state.price,
    currency: state.currency,
    image: state.details.images[0] ?? null,
    discontinued: state.status === 'discontinued',
  };
}
