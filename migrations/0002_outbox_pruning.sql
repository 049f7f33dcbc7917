-- Published outbox rows are pruned after a retention period. The horizon records the newest
-- cutoff used: a transaction created before it may have lost its (published) event row, so the
-- audit's one-event-per-transaction check covers the transactions created since.
CREATE TABLE outbox_pruning (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    horizon    timestamptz NOT NULL
);

-- Notifications already delivered by `walletctl notify`, by message id, so a redelivered
-- message is not rendered twice (kept with the same retention as the outbox).
CREATE TABLE notifications_seen (
    message_id  text COLLATE "C" PRIMARY KEY,
    seen_at     timestamptz NOT NULL DEFAULT now()
);
