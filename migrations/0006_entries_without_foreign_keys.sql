-- Ledger entries lose their foreign keys: each cost two lookups (and a row lock on the
-- transaction) per entry on the write path, where the writer has just locked the wallet and
-- inserted the transaction itself. Entries are append-only and wallets and transactions are
-- never deleted, so `walletctl audit` checks what the keys held (entries_reference_known_rows).
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_transaction_id_fkey;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_wallet_id_fkey;
