-- Which generation of each projection the query API reads, and which one a rebuild is building.
-- Queries resolve a projection's schema (or Redis key prefix) from `serving`; a rebuild flips it in one
-- transaction once the new generation has caught up, so no query ever sees a half-built model.
CREATE TABLE projection_generations (
  projection text PRIMARY KEY,
  serving integer NOT NULL,
  building integer,
  swapped_at timestamptz NOT NULL DEFAULT now()
);

-- One checkpoint per (projection, generation). `position` is the store's position string ("<a>.<b>"),
-- null before the first event; PostgreSQL read models update it in the transaction of their writes.
CREATE TABLE projection_checkpoints (
  projection text NOT NULL,
  generation integer NOT NULL,
  position text,
  last_event_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (projection, generation)
);

-- Events whose handler kept failing: recorded with the error, never silently skipped.
CREATE TABLE projection_dead_letters (
  id bigserial PRIMARY KEY,
  projection text NOT NULL,
  generation integer NOT NULL,
  event_id text NOT NULL,
  event_type text NOT NULL,
  stream_name text NOT NULL,
  position text NOT NULL,
  error text NOT NULL,
  attempts integer NOT NULL,
  parked_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (projection, generation, event_id)
);
