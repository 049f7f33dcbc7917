-- API keys of HTTP clients. Only a hash of each secret is stored: the secret is shown once,
-- when the key is made. A key may be bound to one user, whose resources are all it reaches.
CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    scope        text NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    user_id      text COLLATE "C" CHECK (user_id IS NULL OR length(user_id) BETWEEN 1 AND 128),
    secret_hash  text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
