import { DomainError, ErrorCode } from '../../domain/shared/errors.ts';
import { HttpError } from '../http/http-error.ts';

/** A charge as the provider recorded it. `status` is final: a declined charge stays declined for its key. */
export type Charge = {
  chargeId: string;
  idempotencyKey: string;
  status: 'succeeded' | 'declined';
  amount: number;
  currency: string;
  declineReason: string | null;
  createdAt: Date;
};

export type Refund = {
  refundId: string;
  idempotencyKey: string;
  chargeId: string;
  amount: number;
  currency: string;
  createdAt: Date;
};

export type ChargeRequest = {
  /** The order id: the same key never charges twice, it returns the first outcome. */
  idempotencyKey: string;
  /** Minor units. */
  amount: number;
  currency: string;
  token: string;
};

export type RefundRequest = {
  idempotencyKey: string;
  chargeId: string;
  amount: number;
  currency: string;
};

/**
 * The payment provider port. Both calls are idempotent by key; `findCharge` lets a workflow that
 * crashed after charging learn the outcome without the card token (which is never stored).
 * Outages raise PaymentUnavailable; a decline is not an error but a Charge with status `declined`.
 */
export interface PaymentProvider {
  charge(request: ChargeRequest): Promise<Charge>;
  findCharge(idempotencyKey: string): Promise<Charge | undefined>;
  refund(request: RefundRequest): Promise<Refund>;
}

/** The provider cannot be reached or refuses service: API.md 503 SYS_5002 with Retry-After. */
export class PaymentUnavailable extends HttpError {
  constructor(message = 'Payment provider unavailable, try again later') {
    super(ErrorCode.DependencyUnavailable, message, { headers: { 'Retry-After': '5' } });
    this.name = 'PaymentUnavailable';
  }
}

/** API.md 402 BIZ_4004. */
export const paymentDeclined = (reason: string | null) =>
  new DomainError(ErrorCode.PaymentDeclined, `Payment declined${reason ? `: ${reason}` : ''}`, [
    { field: 'payment_method.token', message: reason ?? 'declined' },
  ]);
