-- The auditable record of `npm run keys -- encrypt-legacy`: each event whose plain personal fields were
-- replaced by ciphertext (or "[erased]"), with its chain hash before and after. Append-only.
CREATE TABLE personal_data_rewrites (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id uuid NOT NULL,
  stream_name text NOT NULL,
  stream_revision bigint NOT NULL,
  old_hash text,
  new_hash text,
  change text NOT NULL CHECK (change IN ('encrypted', 'masked', 'rechained')),
  rewritten_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX personal_data_rewrites_stream_idx ON personal_data_rewrites (stream_name, stream_revision);
