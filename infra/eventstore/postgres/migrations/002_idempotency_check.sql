-- Appends are one statement built in append.ts (compare-and-set of the stream row, then every event in one
-- INSERT … SELECT FROM unnest). When that statement writes nothing, this tells a retry of events already
-- written (a success: the original result) from a conflict.
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
