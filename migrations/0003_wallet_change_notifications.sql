-- At commit, every listening `walletctl serve` learns which user wallets changed and their new
-- versions, so its balance cache drops older copies even when the writer (a CLI run, a replay,
-- another daemon) could not reach Redis itself. A trigger, so no writer can forget it.
-- Payload: "wallet_id:version,..." in chunks of 100 (NOTIFY payloads stop at 8000 bytes).
CREATE FUNCTION notify_wallet_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    chunk text;
BEGIN
    FOR chunk IN
        SELECT string_agg(c.id::text || ':' || c.version::text, ',')
        FROM (SELECT id, version, (row_number() OVER ()) / 100 AS part FROM changed WHERE kind = 'user') c
        GROUP BY c.part
    LOOP
        PERFORM pg_notify('walletctl_wallets', chunk);
    END LOOP;
    RETURN NULL;
END;
$$;
CREATE TRIGGER wallets_notify_changes AFTER UPDATE ON wallets REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION notify_wallet_changes();
