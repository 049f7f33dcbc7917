-- A writer that tells the balance cache itself sets walletctl.writer_tells_cache for its
-- transaction: it leaves tombstones in Redis before its commit, and when Redis cannot be told
-- it sends this same notification itself (write_posting() in core/ledger_writer.cpp). The
-- trigger stays for every other writer. NOTIFY takes a lock held until the commit is flushed,
-- so writers that all notified could not overlap their commits.
DROP TRIGGER wallets_notify_changes ON wallets;
CREATE TRIGGER wallets_notify_changes AFTER UPDATE ON wallets REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT WHEN (current_setting('walletctl.writer_tells_cache', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION notify_wallet_changes();
