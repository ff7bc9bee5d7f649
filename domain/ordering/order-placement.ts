import { DomainError, ErrorCode, type ErrorDetail, invalid } from '../shared/errors.ts';
import { lineKey } from '../shared/line-key.ts';
import {
  type Address,
  MAX_ADDRESS_FIELD_LENGTH,
  MAX_LINE_QUANTITY,
  MAX_PRODUCT_NAME_LENGTH,
  MAX_TEXT_LENGTH,
  type PlaceOrder,
} from './commands.ts';
import type { OrderEventOf } from './events.ts';
import { lineSubtotal, orderTotals } from './totals.ts';

const addressFields = ['street', 'city', 'state', 'postal_code', 'country'] as const;
const isoCurrency = /^[A-Z]{3}$/;

/** A hint that lets a customer recognise the method (`****visa`) without keeping the token. */
export const maskToken = (token: string): string => (token.length >= 8 ? `****${token.slice(-4)}` : '****');

/** Validates a PlaceOrder and prices it. Throws the first kind of problem found, with every field of that kind. */
export function orderPlaced(command: PlaceOrder): OrderEventOf<'OrderPlaced'> {
  const { orderId, userId, items, reservationId, pricing, now } = command.data;
  checkItems(command);
  const { shipping, billing, payment } = orderDetails(command.data);

  const coupon = command.data.coupon ?? null;
  const { discount, ...totals } = orderTotals(items, pricing, coupon?.discount ?? 0);
  return {
    type: 'OrderPlaced',
    data: {
      schema_version: items.some((item) => item.variant) ? 3 : 2,
      order_id: orderId,
      user_id: userId,
      reservation_id: reservationId,
      items: items.map((item) => ({
        product_id: item.productId,
        product_name: item.productName.trim(),
        quantity: item.quantity,
        unit_price: item.unitPrice,
        subtotal: lineSubtotal(item),
        ...(item.variant ? { variant_id: item.variant.variantId, sku: item.variant.sku } : {}),
        list_price: item.listPrice ?? item.unitPrice,
        steps: (item.steps ?? [{ step: 'base', label: 'List price', unitPrice: item.unitPrice }]).map(
          (step) => ({
            step: step.step,
            ...(step.ruleId !== undefined ? { rule_id: step.ruleId } : {}),
            label: step.label,
            unit_price: step.unitPrice,
          }),
        ),
      })),
      currency: items[0]?.currency ?? '',
      ...totals,
      pricing: {
        tax_rate: { numerator: pricing.taxRate.numerator, denominator: pricing.taxRate.denominator },
        shipping_flat: pricing.shippingFlat,
        free_shipping_over: pricing.freeShippingOver,
      },
      shipping_address: shipping,
      billing_address: billing,
      payment_method: payment,
      placed_at: now,
      discount,
      coupon: coupon?.code ?? null,
    },
  };
}

/**
 * The customer's part of an order (addresses, payment method), checked and trimmed. The checkout checks it
 * before its first step too, so a request it refuses has reserved, attached and redeemed nothing.
 */
export function orderDetails(
  data: Pick<PlaceOrder['data'], 'shippingAddress' | 'billingAddress' | 'paymentMethod'>,
) {
  return {
    shipping: address('shipping_address', data.shippingAddress),
    billing: address('billing_address', data.billingAddress),
    payment: paymentMethod(data.paymentMethod),
  };
}

function checkItems({ data: { items } }: PlaceOrder) {
  if (items.length === 0) throw new DomainError(ErrorCode.CartEmpty, 'Cannot place an order without items');
  items.forEach((item, i) => {
    if (!Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > MAX_LINE_QUANTITY)
      throw new DomainError(ErrorCode.InvalidQuantity, `Invalid quantity for ${item.productId}`, [
        { field: `items[${i}].quantity`, message: `must be a whole number from 1 to ${MAX_LINE_QUANTITY}` },
      ]);
  });
  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const name = item.productName.trim();
    if (name.length < 1 || name.length > MAX_PRODUCT_NAME_LENGTH)
      details.push({
        field: `items[${i}].product_name`,
        message: `1 to ${MAX_PRODUCT_NAME_LENGTH} characters`,
      });
    if (!Number.isSafeInteger(item.unitPrice) || item.unitPrice <= 0)
      details.push({ field: `items[${i}].unit_price`, message: 'must be positive minor units' });
    if (!isoCurrency.test(item.currency))
      details.push({ field: `items[${i}].currency`, message: 'ISO 4217 code, e.g. USD' });
    else if (item.currency !== items[0]?.currency)
      details.push({ field: `items[${i}].currency`, message: 'every item must share one currency' });
    // One reservation holds one amount per stock item (a product, or one of its variants): one line each.
    if (seen.has(lineKey(item)))
      details.push({ field: `items[${i}].product_id`, message: 'product appears on more than one line' });
    seen.add(lineKey(item));
  });
  if (details.length > 0) throw new DomainError(ErrorCode.ValidationFailed, 'Invalid order items', details);
}

function address(field: string, value: Address): Address {
  const missing = addressFields.filter((key) => (value[key] ?? '').trim() === '');
  if (missing.length > 0)
    throw new DomainError(
      ErrorCode.RequiredFieldMissing,
      `${field} is incomplete`,
      missing.map((key) => ({ field: `${field}.${key}`, message: 'required' })),
    );
  const tooLong = addressFields.filter((key) => value[key].trim().length > MAX_ADDRESS_FIELD_LENGTH);
  if (tooLong.length > 0)
    throw new DomainError(
      ErrorCode.ValidationFailed,
      `${field} is invalid`,
      tooLong.map((key) => ({
        field: `${field}.${key}`,
        message: `at most ${MAX_ADDRESS_FIELD_LENGTH} characters`,
      })),
    );
  return {
    street: value.street.trim(),
    city: value.city.trim(),
    state: value.state.trim(),
    postal_code: value.postal_code.trim(),
    country: value.country.trim(),
  };
}

function paymentMethod(method: PlaceOrder['data']['paymentMethod']) {
  const missing = (['type', 'token'] as const).filter((key) => (method[key] ?? '').trim() === '');
  if (missing.length > 0)
    throw new DomainError(
      ErrorCode.RequiredFieldMissing,
      'payment_method is incomplete',
      missing.map((key) => ({ field: `payment_method.${key}`, message: 'required' })),
    );
  if (method.type.trim().length > MAX_TEXT_LENGTH) throw invalid('payment_method.type', 'too long');
  return { type: method.type.trim(), token_hint: maskToken(method.token.trim()) };
}
