import type { Command } from '../shared/decider.ts';
import type { OrderId, ProductId, ReservationId, UserId, VariantId } from '../shared/ids.ts';
import type { PricingConfig } from './totals.ts';

export const MAX_LINE_QUANTITY = 99;
export const MAX_PRODUCT_NAME_LENGTH = 255;
export const MAX_TEXT_LENGTH = 500;
export const MAX_ADDRESS_FIELD_LENGTH = 200;
export const MAX_TRACKING_NUMBER_LENGTH = 100;

/** API.md: every field required. */
export type Address = { street: string; city: string; state: string; postal_code: string; country: string };

/** A line as priced at checkout (the cart's snapshot); unitPrice in minor units of currency. */
export type OrderItemInput = {
  productId: ProductId;
  /** The variant ordered (its SKU), absent for a product without variants. */
  variant?: { variantId: VariantId; sku: string } | null;
  productName: string;
  quantity: number;
  unitPrice: number;
  currency: string;
  /** The catalog price before rules and the steps that priced the line (absent: the unit price, one base step). */
  listPrice?: number;
  steps?: {
    step: 'base' | 'variant' | 'sale' | 'quantity' | 'tier';
    ruleId?: string;
    label: string;
    unitPrice: number;
  }[];
};

/** The token is handed to the payment provider by the caller; the order keeps only a masked hint. */
export type PaymentMethod = { type: string; token: string };

/** Who asks: customers may act only on their own orders; admins on any. */
export type Actor = { userId: UserId; role: string };

export type PlaceOrder = Command<
  'PlaceOrder',
  {
    orderId: OrderId;
    userId: UserId;
    items: OrderItemInput[];
    shippingAddress: Address;
    billingAddress: Address;
    paymentMethod: PaymentMethod;
    reservationId: ReservationId;
    pricing: PricingConfig;
    /** The coupon redeemed for this order and what it takes off the subtotal (minor units). */
    coupon?: { code: string; discount: number } | null;
    now: string;
  }
>;

/** The payment was charged: `amount` (minor units) must be the order total. */
export type ConfirmOrder = Command<
  'ConfirmOrder',
  { orderId: OrderId; paymentId: string; amount: number; now: string }
>;

/** The charge was declined; the order stays pending (see order.ts). */
export type MarkPaymentFailed = Command<
  'MarkPaymentFailed',
  { orderId: OrderId; reason: string; now: string }
>;

export type ProcessOrder = Command<'ProcessOrder', { orderId: OrderId; now: string }>;
export type ShipOrder = Command<'ShipOrder', { orderId: OrderId; trackingNumber: string; now: string }>;
export type DeliverOrder = Command<'DeliverOrder', { orderId: OrderId; now: string }>;

export type CancelOrder = Command<
  'CancelOrder',
  { orderId: OrderId; actor: Actor; reason: string; now: string }
>;

/** The refund owed by a cancellation went through the payment provider. */
export type RecordRefund = Command<
  'RecordRefund',
  { orderId: OrderId; refundId: string; amount: number; now: string }
>;

export type OrderCommand =
  | PlaceOrder
  | ConfirmOrder
  | MarkPaymentFailed
  | ProcessOrder
  | ShipOrder
  | DeliverOrder
  | CancelOrder
  | RecordRefund;
