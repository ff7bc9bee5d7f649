-- Each stream row remembers the transaction that last appended to it. A transaction whose id is older than
-- that (it got its id before the last writer did, yet writes after it) would have its events sorted before
-- the events they follow; the append's compare-and-set refuses it. So within a stream the global order
-- (transaction_id, global_position) is always the revision order.
ALTER TABLE streams ADD COLUMN transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id();
