-- A charge moves money into the ledger from outside: it needs the scope `charge` (or admin),
-- which a key bound to a user cannot hold, so a user's own app can never mint money for it.
-- User-bound admin keys, which could, become write keys (transfers and withdrawals of the
-- user's own wallets, as before).
ALTER TABLE api_keys DROP CONSTRAINT api_keys_scope_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scope_check CHECK (scope IN ('read', 'write', 'charge', 'admin'));
UPDATE api_keys SET scope = 'write' WHERE user_id IS NOT NULL AND scope = 'admin';
ALTER TABLE api_keys ADD CONSTRAINT user_keys_cannot_charge CHECK (user_id IS NULL OR scope IN ('read', 'write'));
