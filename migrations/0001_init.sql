-- walletctl schema: wallets (user wallets and per-currency system accounts), transactions,
-- append-only ledger entries, holds, withdrawals, idempotency keys and the event outbox.

CREATE TABLE wallets (
    id          uuid PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('user', 'funding', 'clearing', 'payouts')),
    -- Opaque ids compare byte-wise ("C"), whatever the database's collation.
    user_id     text COLLATE "C" CHECK (user_id IS NULL OR length(user_id) BETWEEN 1 AND 128),
    currency    char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    balance     bigint NOT NULL DEFAULT 0,
    -- Bumped by every change of the row, so a cached copy can tell it is older than the row.
    version     bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT user_wallet_has_user CHECK ((kind = 'user') = (user_id IS NOT NULL)),
    -- The last line of defence: the code never lets a user wallet go negative.
    CONSTRAINT user_balance_not_negative CHECK (kind <> 'user' OR balance >= 0)
);
CREATE UNIQUE INDEX wallets_one_per_user_currency ON wallets (user_id, currency) WHERE kind = 'user';
CREATE UNIQUE INDEX wallets_one_system_account ON wallets (kind, currency) WHERE kind <> 'user';

-- source and destination name the accounts of the two legs; the ledger entries, which
-- reference wallets, are what makes them hold (and audit checks it), so they carry no
-- foreign keys of their own: each costs a lookup per row on the write path.
CREATE TABLE transactions (
    id                    uuid PRIMARY KEY,
    kind                  text NOT NULL CHECK (kind IN ('charge', 'transfer', 'withdrawal', 'refund', 'payout')),
    status                text NOT NULL DEFAULT 'completed' CHECK (status IN ('completed')),
    amount                bigint NOT NULL CHECK (amount > 0),
    currency              char(3) NOT NULL,
    source_wallet_id      uuid NOT NULL,
    destination_wallet_id uuid NOT NULL,
    idempotency_key       text,
    reference             text,
    release_at            timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now()
);

-- Keyed by (wallet_id, id): ids are unique on their own, and this one index serves a wallet's
-- history and its running balance, so each entry costs one index insert, not two.
CREATE TABLE ledger_entries (
    id              bigserial NOT NULL,
    transaction_id  uuid NOT NULL REFERENCES transactions (id),
    wallet_id       uuid NOT NULL REFERENCES wallets (id),
    amount          bigint NOT NULL CHECK (amount <> 0),
    balance_after   bigint NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (wallet_id, id)
);

-- Ledger entries are history: nothing may change or remove one, whatever the code does.
CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only();

-- Funds of a charge that count in the balance but may not be spent before release_at.
CREATE TABLE holds (
    transaction_id  uuid PRIMARY KEY REFERENCES transactions (id),
    wallet_id       uuid NOT NULL REFERENCES wallets (id),
    amount          bigint NOT NULL CHECK (amount > 0),
    release_at      timestamptz NOT NULL
);
CREATE INDEX holds_by_wallet ON holds (wallet_id, release_at);

CREATE TABLE withdrawals (
    id               uuid PRIMARY KEY,
    wallet_id        uuid NOT NULL REFERENCES wallets (id),
    amount           bigint NOT NULL CHECK (amount > 0),
    currency         char(3) NOT NULL,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    failure_reason   text,
    transaction_id   uuid NOT NULL UNIQUE REFERENCES transactions (id),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    locked_until     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX withdrawals_due ON withdrawals (next_attempt_at) WHERE status IN ('pending', 'processing');
CREATE INDEX withdrawals_by_wallet ON withdrawals (wallet_id, created_at);

-- An idempotency key is claimed in the same transaction as its effect, before the effect's
-- rows exist (so no foreign keys: the ids it records are written in that same transaction).
-- `scope` separates the key spaces of different clients (empty for the CLI and replay).
CREATE TABLE idempotency_keys (
    scope           text COLLATE "C" NOT NULL DEFAULT '',
    key             text COLLATE "C" NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash    text NOT NULL,
    transaction_id  uuid,
    withdrawal_id   uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

-- Transactional outbox: each committed transaction (and each new wallet) writes one event here
-- in the same database transaction; the publisher relays them to RabbitMQ in id order. The
-- payload is the message body as sent (json keeps it as written); audit checks that every
-- transaction has exactly one event.
CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    event_id        uuid NOT NULL,
    event_type      text NOT NULL,
    transaction_id  uuid,
    payload         json NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    published_at    timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
