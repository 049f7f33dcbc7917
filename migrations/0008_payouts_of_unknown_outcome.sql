-- Payouts whose outcome is unknown are never refunded automatically.
--  * possibly_paid: some call for this withdrawal may have reached the bank and paid (no
--    answer came, or a claim expired with its outcome unrecorded). From then on only a 2xx
--    settles it automatically; when attempts run out it goes to needs_review, stays debited,
--    and is retried slowly with the same Idempotency-Key until the bank pays or an operator
--    decides (`walletctl withdrawals resolve`).
--  * claims: a fencing token bumped by every claim, so an outcome of an older claim is never
--    recorded; `attempts` now counts calls made to the bank, not claims.
--  * resolution: how an operator settled a withdrawal in review (paid or refund), and when.
ALTER TABLE withdrawals DROP CONSTRAINT withdrawals_status_check;
ALTER TABLE withdrawals ADD CONSTRAINT withdrawals_status_check
    CHECK (status IN ('pending', 'processing', 'needs_review', 'completed', 'failed'));
ALTER TABLE withdrawals ADD COLUMN possibly_paid boolean NOT NULL DEFAULT false;
ALTER TABLE withdrawals ADD COLUMN claims integer NOT NULL DEFAULT 0 CHECK (claims >= 0);
ALTER TABLE withdrawals ADD COLUMN resolution text CHECK (resolution IN ('paid', 'refund'));
ALTER TABLE withdrawals ADD COLUMN resolved_at timestamptz;
UPDATE withdrawals SET claims = attempts;
-- Before this migration a call without an answer was not remembered past the next one: an
-- unsettled row that was sent at least once may have been paid.
UPDATE withdrawals SET possibly_paid = true WHERE status IN ('pending', 'processing') AND attempts > 0;

DROP INDEX withdrawals_due;
CREATE INDEX withdrawals_due ON withdrawals (next_attempt_at)
    WHERE status IN ('pending', 'processing', 'needs_review');
CREATE INDEX withdrawals_in_review ON withdrawals (created_at) WHERE status = 'needs_review';

-- What a payout pays is its request's ledger transaction; the row's copy of it may never change.
CREATE FUNCTION withdrawals_request_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.wallet_id <> OLD.wallet_id OR NEW.amount <> OLD.amount OR NEW.currency <> OLD.currency
       OR NEW.transaction_id <> OLD.transaction_id THEN
        RAISE EXCEPTION 'the request of withdrawal % cannot change', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER withdrawals_request_immutable BEFORE UPDATE ON withdrawals
    FOR EACH ROW EXECUTE FUNCTION withdrawals_request_immutable();
