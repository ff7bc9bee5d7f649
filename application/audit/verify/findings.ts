/** What `audit verify` can find. Each is a fact about the stored history that should not be. */
export type FindingKind =
  | 'chain-broken'
  | 'schema-invalid'
  | 'fold-failed'
  | 'stock-negative'
  | 'reserved-negative'
  | 'reserved-exceeds-on-hand'
  | 'levels-mismatch'
  | 'reservation-reserved-twice'
  | 'reservation-ended-twice'
  | 'reservation-end-unknown'
  | 'return-without-commit'
  | 'order-without-charge'
  | 'charge-not-found'
  | 'order-without-committed-reservation'
  | 'refund-without-cancellation'
  | 'refund-mismatch'
  | 'refund-twice'
  | 'refund-missing'
  | 'read-model-mismatch';

export type Finding = {
  kind: FindingKind;
  stream?: string;
  revision?: string;
  eventId?: string;
  message: string;
};

export type FindingSink = (finding: Finding) => void;
