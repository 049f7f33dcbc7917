-- Two-phase transfers and reversals (issue 21).
--
-- A pending transfer reserves money on its sender without moving it: the sender's
-- pending_out grows (available = balance - holds - pending_out), the receiver's pending_in
-- grows (informational). Capturing it writes an ordinary transfer transaction of the captured
-- amount (pending_transfer_id names the pending transfer) and releases the rest; voiding or
-- expiring releases all. Both counters are stored, like balances, and bumped under the
-- wallet's row lock, so `walletctl audit` can check them against the open pending transfers.
CREATE TABLE pending_transfers (
    id                      uuid PRIMARY KEY,
    source_wallet_id        uuid NOT NULL REFERENCES wallets (id),
    destination_wallet_id   uuid NOT NULL REFERENCES wallets (id),
    currency                char(3) NOT NULL,
    amount                  bigint NOT NULL CHECK (amount > 0),
    state                   text NOT NULL DEFAULT 'pending'
                            CHECK (state IN ('pending', 'posted', 'voided', 'expired')),
    captured_amount         bigint NOT NULL DEFAULT 0 CHECK (captured_amount >= 0),
    released_amount         bigint NOT NULL DEFAULT 0 CHECK (released_amount >= 0),
    capture_transaction_id  uuid,
    idempotency_key         text,
    reference               text,
    expires_at              timestamptz NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    closed_at               timestamptz,
    -- The last line of defence for the rules posting enforces: open until closed once, a
    -- closed one accounts for all of its amount, and only a capture has a transaction.
    CONSTRAINT pending_transfer_two_wallets CHECK (source_wallet_id <> destination_wallet_id),
    CONSTRAINT pending_transfer_closed_once CHECK ((state = 'pending') = (closed_at IS NULL)),
    CONSTRAINT pending_transfer_accounted CHECK (
        CASE WHEN state = 'pending' THEN captured_amount = 0 AND released_amount = 0
             ELSE captured_amount + released_amount = amount END),
    CONSTRAINT pending_transfer_capture_has_transaction CHECK (
        (state = 'posted') = (capture_transaction_id IS NOT NULL)
        AND (state = 'posted') = (captured_amount > 0))
);
-- What the expiry sweep looks for. Nothing else is indexed: every index costs each transfer an
-- entry when it opens and another when it closes (a close cannot be a HOT update), and audit,
-- which sums the open ones per wallet, reads the whole table anyway. One capture per transfer
-- is the posting rule, checked by audit, not a unique index for the same reason.
CREATE INDEX pending_transfers_due ON pending_transfers (expires_at) WHERE state = 'pending';

ALTER TABLE wallets
    ADD COLUMN pending_out bigint NOT NULL DEFAULT 0 CHECK (pending_out >= 0),
    ADD COLUMN pending_in bigint NOT NULL DEFAULT 0 CHECK (pending_in >= 0),
    -- What a sender reserved it still has: holds and pending transfers come out of one balance.
    ADD CONSTRAINT user_balance_covers_pending CHECK (kind <> 'user' OR balance >= pending_out);

-- A reversal is a transaction of its own, moving money back along its original's leg.
-- Transactions stay insert-only: how much of an original was reversed is the sum of its
-- reversals (found by the index below), which posting keeps within the original's amount
-- under the locks of the original's accounts and audit checks.
ALTER TABLE transactions DROP CONSTRAINT transactions_kind_check;
ALTER TABLE transactions
    ADD CONSTRAINT transactions_kind_check
        CHECK (kind IN ('charge', 'transfer', 'withdrawal', 'refund', 'payout', 'reversal')),
    ADD COLUMN reverses uuid,
    ADD COLUMN reason text CHECK (reason IS NULL OR octet_length(reason) BETWEEN 1 AND 500),
    ADD COLUMN pending_transfer_id uuid,
    ADD CONSTRAINT reversal_names_original CHECK ((kind = 'reversal') = (reverses IS NOT NULL));
CREATE INDEX transactions_reversals ON transactions (reverses) WHERE reverses IS NOT NULL;

-- A key of a pending transfer, capture or void answers with the pending transfer.
ALTER TABLE idempotency_keys ADD COLUMN transfer_id uuid;
