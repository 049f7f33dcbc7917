-- Metadata (issue 22): a client's own string pairs on a transaction, a pending transfer (as
-- opened, and as captured or voided) and a wallet. NULL is "none"; walletctl writes only
-- objects of string values, validated before they reach here.
ALTER TABLE transactions ADD COLUMN metadata jsonb
    CONSTRAINT transaction_metadata_is_object CHECK (metadata IS NULL OR jsonb_typeof(metadata) = 'object');
ALTER TABLE pending_transfers
    ADD COLUMN metadata jsonb
        CONSTRAINT pending_metadata_is_object CHECK (metadata IS NULL OR jsonb_typeof(metadata) = 'object'),
    ADD COLUMN close_metadata jsonb
        CONSTRAINT close_metadata_is_object CHECK (close_metadata IS NULL OR jsonb_typeof(close_metadata) = 'object');
ALTER TABLE wallets ADD COLUMN metadata jsonb
    CONSTRAINT wallet_metadata_is_object CHECK (metadata IS NULL OR jsonb_typeof(metadata) = 'object');

-- History filtered by one pair: the transactions that carry it (containment, one posting list
-- per pair; only rows with metadata are indexed, so plain transfers pay nothing), then their
-- entries through the transaction they belong to. Transaction ids are time-ordered (UUIDv7), so
-- the entries' new index grows at its right edge like the primary key does.
CREATE INDEX transactions_metadata ON transactions USING gin (metadata jsonb_path_ops) WHERE metadata IS NOT NULL;
CREATE INDEX ledger_entries_by_transaction ON ledger_entries (transaction_id);
