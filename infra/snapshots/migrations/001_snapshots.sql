-- Aggregate snapshots: a cache of events-derived state beside the stream, never a source of truth.
-- One row per stream; `fingerprint` names the decider build that folded `state`, so a snapshot written
-- by another build is ignored (and overwritten) instead of trusted. `state_sha256` detects a damaged row.
CREATE TABLE IF NOT EXISTS aggregate_snapshots (
  stream_name   text        PRIMARY KEY,
  aggregate     text        NOT NULL,
  fingerprint   text        NOT NULL,
  revision      bigint      NOT NULL CHECK (revision >= 0),
  -- The id of the event at `revision`: a snapshot is used only when the stream still holds that event there.
  last_event_id text        NOT NULL,
  state         text        NOT NULL,
  state_sha256  text        NOT NULL,
  written_at    timestamptz NOT NULL DEFAULT now()
);
