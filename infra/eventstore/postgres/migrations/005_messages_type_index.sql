-- Type-filtered reads (a projection reads only the event types it handles): one index range per type, in
-- log order, so `readAll` with `eventTypes` merges those ranges (a Merge Append that stops at the page's
-- limit) instead of scanning every event of the log and throwing most away.
CREATE INDEX messages_type_position_idx ON messages (type, transaction_id, global_position);
