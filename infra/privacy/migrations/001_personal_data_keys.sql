-- One row: which master key wraps the data keys (its fingerprint and a key check value) and the
-- wrapped key of the email lookup HMAC. Rotation rewraps both and every data key in one transaction.
CREATE TABLE personal_data_master (
  id smallint PRIMARY KEY CHECK (id = 1),
  fingerprint text NOT NULL,
  key_check bytea NOT NULL,
  wrapped_lookup_key bytea NOT NULL,
  rotated_at timestamptz NOT NULL DEFAULT now()
);

-- One data key per person (subject = user id), wrapped by the master key with AES-256-GCM.
-- Erasure sets wrapped_key to NULL and keeps the row, so the person stays erased: no new key is made.
CREATE TABLE personal_data_keys (
  subject_id text PRIMARY KEY,
  wrapped_key bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  erased_at timestamptz,
  CHECK ((wrapped_key IS NULL) = (erased_at IS NOT NULL))
);
