-- Group commit and the append-order lock (docs/read-horizon.md).
--
-- es_append_batch appends a batch of appends, each to its own stream with its own expected revision, in one
-- statement and so one transaction, and answers one row per append, in order: 'ok' (with the append's own
-- result, or the original result of an idempotent retry), 'conflict' (with the stream's actual revision),
-- 'duplicate' (an event id already stored, not as this same append) or 'too_old' (see below). One append's
-- conflict does not touch the others; an append's events are written all or none.
--
-- It first takes the append-order lock, an exclusive transaction-level advisory lock, so appends are
-- serialised from before their transaction id is assigned until after they commit. Hence every appending
-- transaction gets a larger id than every earlier one and becomes visible before the next one can write:
-- the log's order (transaction_id, global_position) is the order in which it becomes visible, and readers
-- need no horizon. A caller's own transaction that took its id before the lock (it wrote something else
-- first) and is older than the newest appender gets 'too_old' for every append: it must retry in a new
-- transaction.
CREATE FUNCTION es_append_batch(p_batch jsonb)
RETURNS TABLE (o_outcome text, o_revision bigint, o_transaction_id text, o_position bigint, o_actual bigint)
LANGUAGE plpgsql AS $$
DECLARE
  item jsonb;
  v_stream text;
  v_expected text;
  v_ids uuid[];
  v_count int;
  v_current bigint;
  v_stored boolean;
  v_holds boolean;
  v_last bigint;
  v_done record;
  v_mine xid8;
BEGIN
  -- 'ESTR' (the event store's class of advisory locks), key 0: the append order.
  PERFORM pg_advisory_xact_lock(1163084882, 0);
  v_mine := pg_current_xact_id_if_assigned();
  IF v_mine IS NOT NULL AND v_mine < (
    SELECT m.transaction_id FROM messages m ORDER BY m.transaction_id DESC, m.global_position DESC LIMIT 1
  ) THEN
    RETURN QUERY SELECT 'too_old', NULL::bigint, NULL::text, NULL::bigint, NULL::bigint
      FROM jsonb_array_elements(p_batch);
    RETURN;
  END IF;
  FOR item IN SELECT value FROM jsonb_array_elements(p_batch) LOOP
    v_stream := item->>'s';
    v_expected := item->>'x';
    -- Each statement sees what the earlier appends of this batch wrote: appends to one stream go in order.
    SELECT q.ids, cardinality(q.ids),
           (SELECT s.revision FROM streams s WHERE s.stream_name = v_stream),
           EXISTS (SELECT 1 FROM messages m WHERE m.event_id = ANY (q.ids))
      INTO v_ids, v_count, v_current, v_stored
      FROM (SELECT ARRAY(SELECT (e->>'id')::uuid FROM jsonb_array_elements(item->'e') e) AS ids) q;
    IF v_stored THEN
      SELECT a.ok, a.o_revision, a.o_transaction_id, a.o_position INTO v_done
        FROM es_already_appended(v_stream, v_expected, v_ids) a;
      IF v_done.ok THEN
        RETURN QUERY SELECT 'ok', v_done.o_revision, v_done.o_transaction_id::text, v_done.o_position, v_current;
        CONTINUE;
      END IF;
    END IF;
    v_holds := CASE v_expected
                 WHEN 'any' THEN true
                 WHEN 'no_stream' THEN v_current IS NULL
                 WHEN 'stream_exists' THEN v_current IS NOT NULL
                 ELSE v_current IS NOT DISTINCT FROM v_expected::bigint
               END;
    IF NOT v_holds THEN
      RETURN QUERY SELECT 'conflict', NULL::bigint, NULL::text, NULL::bigint, v_current;
      CONTINUE;
    END IF;
    IF v_stored OR (SELECT count(DISTINCT i) FROM unnest(v_ids) i) < v_count THEN
      RETURN QUERY SELECT 'duplicate', NULL::bigint, NULL::text, NULL::bigint, v_current;
      CONTINUE;
    END IF;
    WITH bump AS (
      INSERT INTO streams AS s (stream_name, revision) VALUES (v_stream, v_count - 1)
      ON CONFLICT (stream_name) DO UPDATE
        SET revision = s.revision + v_count, transaction_id = pg_current_xact_id()
    ), written AS (
      INSERT INTO messages (event_id, stream_name, stream_revision, type, data, metadata)
      SELECT (e->>'id')::uuid, v_stream, coalesce(v_current, -1) + o, e->>'type', e->'data',
             coalesce(e->'metadata', '{}'::jsonb)
        FROM jsonb_array_elements(item->'e') WITH ORDINALITY AS t(e, o)
       ORDER BY o
      RETURNING global_position
    )
    SELECT max(w.global_position) INTO v_last FROM written w;
    RETURN QUERY SELECT 'ok', coalesce(v_current, -1) + v_count, pg_current_xact_id()::text, v_last, v_current;
  END LOOP;
END;
$$;
