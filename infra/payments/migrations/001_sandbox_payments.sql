-- The sandbox payment provider's own ledger (a stand-in for an external provider's records): one row per
-- idempotency key, so a retried charge or refund returns the first outcome instead of moving money twice.
CREATE TABLE sandbox_charges (
  idempotency_key text PRIMARY KEY,
  charge_id text NOT NULL UNIQUE,
  status text NOT NULL CHECK (status IN ('succeeded', 'declined')),
  amount bigint NOT NULL CHECK (amount >= 0),
  currency text NOT NULL,
  decline_reason text,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sandbox_refunds (
  idempotency_key text PRIMARY KEY,
  refund_id text NOT NULL UNIQUE,
  charge_id text NOT NULL REFERENCES sandbox_charges (charge_id),
  amount bigint NOT NULL CHECK (amount > 0),
  currency text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
