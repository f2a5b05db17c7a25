-- Heartbeats refused for their token (401) whose body named a server: at most one row per server and minute per panel
-- (Alerts/TokenFailures.cs); rows older than a day are deleted as new ones come. The token_failures rule counts them.
CREATE TABLE token_failures (
    server_id TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    at INTEGER NOT NULL
);

CREATE INDEX ix_token_failures_server ON token_failures (server_id, at);
