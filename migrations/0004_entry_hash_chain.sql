-- Tamper evidence: each ledger entry carries a hash over its content and the hash of the
-- previous entry of its wallet, and each wallet keeps the hash of its last entry (its chain
-- head). The formula is entry_hash() in core/entry_chain.cpp; `walletctl audit` recomputes it.
-- One chain per wallet: writers already lock every wallet they touch, so a chain per wallet
-- costs no extra waiting, where a global chain would serialise every transaction.
ALTER TABLE wallets ADD COLUMN chain_head text NOT NULL DEFAULT repeat('0', 64);
ALTER TABLE ledger_entries ADD COLUMN entry_hash text;

-- Entries written before this migration join their wallets' chains now.
ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_no_update;
DO $$
DECLARE
    e record;
    head text;
    current_wallet uuid;
BEGIN
    FOR e IN SELECT id, transaction_id, wallet_id, amount, balance_after FROM ledger_entries ORDER BY wallet_id, id LOOP
        IF current_wallet IS DISTINCT FROM e.wallet_id THEN
            head := repeat('0', 64);
            current_wallet := e.wallet_id;
        END IF;
        head := encode(sha256(convert_to(head || '|' || e.transaction_id || '|' || e.wallet_id || '|' || e.amount
                                         || '|' || e.balance_after, 'UTF8')), 'hex');
        UPDATE ledger_entries SET entry_hash = head WHERE wallet_id = e.wallet_id AND id = e.id;
    END LOOP;
END;
$$;
ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_no_update;
UPDATE wallets w SET chain_head = last.entry_hash
FROM (SELECT DISTINCT ON (wallet_id) wallet_id, entry_hash FROM ledger_entries ORDER BY wallet_id, id DESC) last
WHERE w.id = last.wallet_id;
ALTER TABLE ledger_entries ALTER COLUMN entry_hash SET NOT NULL;
