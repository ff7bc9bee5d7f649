-- es_append_batch plans its statements once per session and keeps them (PL/pgSQL's plan cache: a generic
-- plan after five calls). A session that starts while `messages` is small (a new deployment, a test's or a
-- bench's fresh database, any time before autovacuum has analysed the table) plans the duplicate check
-- `event_id = ANY (ids)` and the newest-transaction check as sequential scans, and keeps them while the
-- table grows: every append then reads the whole log (measured: 0.5 ms per append at 3,000 rows, growing
-- with the log), until an ANALYZE happens to invalidate the plans. Every statement of the function has an
-- index made for it (streams_pkey, messages_event_id_key, messages_position_idx), so it runs with
-- sequential scans priced out: its plans use those indexes whatever the statistics said when they were made.
-- A later CREATE OR REPLACE of the function resets its settings: it must set this again.
ALTER FUNCTION es_append_batch(jsonb) SET enable_seqscan = off;
