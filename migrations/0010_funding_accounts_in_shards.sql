-- Money enters a currency through its funding account, whose balance is minus every charge ever
-- made: after enough charges it would pass the smallest bigint, and charges would fail. Funding
-- accounts are numbered instead: when the newest cannot take a charge, the next is opened and
-- charges draw on it. Audit's books_balance sums every account of a currency, all shards included.
ALTER TABLE wallets ADD COLUMN shard integer NOT NULL DEFAULT 0 CHECK (shard >= 0);
DROP INDEX wallets_one_system_account;
CREATE UNIQUE INDEX wallets_one_system_account ON wallets (kind, currency, shard) WHERE kind <> 'user';
