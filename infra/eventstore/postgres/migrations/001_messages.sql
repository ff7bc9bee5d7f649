-- The global log. Position = (transaction_id, global_position): readers only read below the oldest
-- running transaction (pg_snapshot_xmin), so an event that commits late can never be skipped.
CREATE TABLE messages (
  global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
  event_id uuid NOT NULL,
  stream_name text NOT NULL,
  stream_revision bigint NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT messages_event_id_key UNIQUE (event_id),
  CONSTRAINT messages_stream_revision_key UNIQUE (stream_name, stream_revision)
);

CREATE INDEX messages_position_idx ON messages (transaction_id, global_position);

-- One row per stream: its current revision, compare-and-set inside the append transaction.
CREATE TABLE streams (
  stream_name text PRIMARY KEY,
  revision bigint NOT NULL
);
