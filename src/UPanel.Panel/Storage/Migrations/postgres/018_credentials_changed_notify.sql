-- Each panel keeps the agent tokens' credentials it read (CredentialsCache) while it listens on this channel
-- (CredentialsListener): a change to anything it keeps, by any writer (a panel, a script, psql), tells every panel on the
-- database once it commits (docs/decisions/ingest-throughput.md, PostgreSQL, fourteenth pass). The payload is empty: a
-- panel forgets all it keeps, and PostgreSQL sends one notification per transaction however many rows it changed.
CREATE FUNCTION upanel_credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('upanel_credentials', '');
    RETURN NULL;
END
$$;

-- The columns a panel keeps (SqlPanelStore.ReadCredentialsAsync), and only when a value changed. The heartbeat writer's
-- update of the row (the charge, last_seen_at, the latest state) sets none of them: it does not notify. A token's first
-- use after a rotation ends the previous one's overlap in a statement of its own, which does.
CREATE TRIGGER servers_credentials_changed
    AFTER UPDATE OF id, token_hash, token_hash_prev, prev_expires_at, pending_token_sealed, next_heartbeat_seconds,
        target_agent_version, update_url ON servers
    FOR EACH ROW
    WHEN (OLD.id IS DISTINCT FROM NEW.id
        OR OLD.token_hash IS DISTINCT FROM NEW.token_hash
        OR OLD.token_hash_prev IS DISTINCT FROM NEW.token_hash_prev
        OR OLD.prev_expires_at IS DISTINCT FROM NEW.prev_expires_at
        OR OLD.pending_token_sealed IS DISTINCT FROM NEW.pending_token_sealed
        OR OLD.next_heartbeat_seconds IS DISTINCT FROM NEW.next_heartbeat_seconds
        OR OLD.target_agent_version IS DISTINCT FROM NEW.target_agent_version
        OR OLD.update_url IS DISTINCT FROM NEW.update_url)
    EXECUTE FUNCTION upanel_credentials_changed();

CREATE TRIGGER servers_credentials_deleted AFTER DELETE ON servers
    FOR EACH ROW EXECUTE FUNCTION upanel_credentials_changed();

CREATE TRIGGER servers_credentials_truncated AFTER TRUNCATE ON servers
    FOR EACH STATEMENT EXECUTE FUNCTION upanel_credentials_changed();
