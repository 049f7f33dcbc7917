-- Overdraft limits (issue 22): a user wallet's transfers and pending transfers may take its
-- available amount down to -overdraft_limit (withdrawals never draw on it). The last lines of
-- defence move with the rule: a balance may go below zero by at most the limit, and what the
-- pending transfers it sends reserve must fit within balance plus limit.
ALTER TABLE wallets
    ADD COLUMN overdraft_limit bigint NOT NULL DEFAULT 0
        CONSTRAINT overdraft_limit_not_negative CHECK (overdraft_limit >= 0),
    ADD CONSTRAINT only_user_wallets_overdraw CHECK (kind = 'user' OR overdraft_limit = 0),
    DROP CONSTRAINT user_balance_not_negative,
    ADD CONSTRAINT user_balance_within_overdraft CHECK (kind <> 'user' OR balance >= -overdraft_limit),
    DROP CONSTRAINT user_balance_covers_pending,
    ADD CONSTRAINT user_balance_covers_pending CHECK (kind <> 'user' OR balance + overdraft_limit >= pending_out);
