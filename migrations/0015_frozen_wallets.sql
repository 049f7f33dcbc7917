-- Frozen wallets (issue 22): an operator stops every debit of a wallet (credits still arrive)
-- with a reason, until unfrozen. Posting reads the state under the wallet's row lock, the
-- same lock a freeze takes, so no debit passes a freeze that committed before it.
ALTER TABLE wallets
    ADD COLUMN frozen_at timestamptz,
    ADD COLUMN frozen_reason text
        CHECK (frozen_reason IS NULL OR octet_length(frozen_reason) BETWEEN 1 AND 500),
    ADD CONSTRAINT frozen_with_reason CHECK ((frozen_at IS NULL) = (frozen_reason IS NULL)),
    ADD CONSTRAINT only_user_wallets_freeze CHECK (kind = 'user' OR frozen_at IS NULL);
