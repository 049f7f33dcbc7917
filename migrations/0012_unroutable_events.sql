-- Events are published mandatory: one that no queue takes (nothing bound for its routing key)
-- comes back from RabbitMQ and stays in the outbox instead of being dropped. It is tried again
-- after a backoff that doubles with each return (next_attempt_at), so waiting rows never hold
-- up the events behind them. Rows never returned keep next_attempt_at NULL.
ALTER TABLE outbox ADD COLUMN returned_count integer NOT NULL DEFAULT 0,
                   ADD COLUMN next_attempt_at timestamptz;
DROP INDEX outbox_unpublished;
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL AND next_attempt_at IS NULL;
CREATE INDEX outbox_returned ON outbox (next_attempt_at) WHERE published_at IS NULL AND next_attempt_at IS NOT NULL;
