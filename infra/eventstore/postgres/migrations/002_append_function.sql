-- One round trip per append: the stream's compare-and-set, then all events in one INSERT … SELECT FROM unnest.
-- p_expected: 'any' | 'no_stream' | 'stream_exists' | a decimal revision.
-- Returns one row: ok, the stream's revision after the append (or its actual revision when not ok,
-- NULL when it does not exist), and the position of the last event (transaction id, global position).
CREATE FUNCTION es_append(
  p_stream text,
  p_expected text,
  p_ids uuid[],
  p_types text[],
  p_data jsonb[],
  p_metadata jsonb[]
) RETURNS TABLE (ok boolean, o_revision bigint, o_transaction_id bigint, o_position bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_count int := coalesce(array_length(p_ids, 1), 0);
  v_revision bigint;
  v_first bigint;
  v_last_position bigint;
BEGIN
  -- A retry of events already written succeeds with the original result. For 'any' and
  -- 'stream_exists' the compare-and-set would not notice, so look first; for exact revisions and
  -- 'no_stream' only after it fails (the common path costs nothing extra).
  IF v_count > 0 AND p_expected IN ('any', 'stream_exists') THEN
    RETURN QUERY SELECT * FROM es_already_appended(p_stream, p_expected, p_ids);
    IF FOUND THEN RETURN; END IF;
  END IF;

  IF v_count = 0 THEN
    SELECT revision INTO v_revision FROM streams WHERE stream_name = p_stream;
    IF (p_expected = 'no_stream' AND v_revision IS NOT NULL)
       OR (p_expected = 'stream_exists' AND v_revision IS NULL)
       OR (p_expected NOT IN ('any', 'no_stream', 'stream_exists')
           AND v_revision IS DISTINCT FROM p_expected::bigint) THEN
      RETURN QUERY SELECT false, v_revision, NULL::bigint, NULL::bigint;
      RETURN;
    END IF;
    RETURN QUERY SELECT true, coalesce(v_revision, -1), m.transaction_id::text::bigint, m.global_position
      FROM (SELECT NULL) AS one
      LEFT JOIN LATERAL (SELECT transaction_id, global_position FROM messages
        WHERE stream_name = p_stream ORDER BY stream_revision DESC LIMIT 1) m ON true;
    RETURN;
  END IF;

  IF p_expected = 'any' THEN
    INSERT INTO streams AS s (stream_name, revision) VALUES (p_stream, v_count - 1)
      ON CONFLICT (stream_name) DO UPDATE SET revision = s.revision + v_count
      RETURNING revision INTO v_revision;
  ELSIF p_expected = 'no_stream' THEN
    INSERT INTO streams (stream_name, revision) VALUES (p_stream, v_count - 1)
      ON CONFLICT (stream_name) DO NOTHING
      RETURNING revision INTO v_revision;
  ELSIF p_expected = 'stream_exists' THEN
    UPDATE streams SET revision = revision + v_count WHERE stream_name = p_stream
      RETURNING revision INTO v_revision;
  ELSE
    UPDATE streams SET revision = revision + v_count
      WHERE stream_name = p_stream AND revision = p_expected::bigint
      RETURNING revision INTO v_revision;
  END IF;

  IF v_revision IS NULL THEN
    -- Lost the compare-and-set. A concurrent or earlier identical append is a success, not a conflict.
    RETURN QUERY SELECT * FROM es_already_appended(p_stream, p_expected, p_ids);
    IF FOUND THEN RETURN; END IF;
    RETURN QUERY SELECT false, (SELECT revision FROM streams WHERE stream_name = p_stream), NULL::bigint, NULL::bigint;
    RETURN;
  END IF;

  v_first := v_revision - v_count + 1;
  WITH inserted AS (
    INSERT INTO messages (event_id, stream_name, stream_revision, type, data, metadata)
    SELECT e.id, p_stream, v_first + e.ord - 1, e.type, e.data, e.metadata
      FROM unnest(p_ids, p_types, p_data, p_metadata) WITH ORDINALITY AS e(id, type, data, metadata, ord)
      ORDER BY e.ord
    RETURNING global_position
  )
  SELECT max(global_position) INTO v_last_position FROM inserted;

  RETURN QUERY SELECT true, v_revision, pg_current_xact_id()::text::bigint, v_last_position;
END;
$$;

-- The original result when every id of p_ids is already in p_stream, in this order, at consecutive
-- revisions that agree with p_expected; no row otherwise.
CREATE FUNCTION es_already_appended(p_stream text, p_expected text, p_ids uuid[])
RETURNS TABLE (ok boolean, o_revision bigint, o_transaction_id bigint, o_position bigint)
LANGUAGE sql STABLE AS $$
  WITH wanted AS (
    SELECT w.id, w.ord FROM unnest(p_ids) WITH ORDINALITY AS w(id, ord)
  ), found AS (
    SELECT w.ord, m.stream_name, m.stream_revision, m.transaction_id, m.global_position
      FROM wanted w JOIN messages m ON m.event_id = w.id
  ), summary AS (
    SELECT count(*) AS n,
           bool_and(stream_name = p_stream) AS same_stream,
           min(stream_revision) AS first_revision,
           bool_and(stream_revision - ord = (SELECT min(stream_revision) FROM found) - 1) AS consecutive
      FROM found
  )
  SELECT true, last.stream_revision, last.transaction_id::text::bigint, last.global_position
    FROM summary, LATERAL (SELECT * FROM found ORDER BY ord DESC LIMIT 1) last
   WHERE summary.n = cardinality(p_ids)
     AND summary.same_stream
     AND summary.consecutive
     AND CASE p_expected
           WHEN 'any' THEN true
           WHEN 'stream_exists' THEN true
           WHEN 'no_stream' THEN summary.first_revision = 0
           ELSE summary.first_revision = p_expected::bigint + 1
         END;
$$;
