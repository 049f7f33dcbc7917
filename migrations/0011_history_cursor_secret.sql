-- History cursors are signed so that an edited cursor is refused. The signing key was a constant
-- in the source, so anyone could sign a cursor of their choosing. It is now a random secret
-- made here, once per ledger, and shared by every process that reads this database (a cursor
-- one serve returned is followed by any other). 32 bytes from two version-4 UUIDs (244 random
-- bits): gen_random_uuid() is in PostgreSQL itself, pgcrypto is not needed.
CREATE TABLE ledger_secrets (
  name text PRIMARY KEY,
  value bytea NOT NULL CHECK (octet_length(value) >= 32)
);
INSERT INTO ledger_secrets (name, value)
VALUES ('history_cursor', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));
