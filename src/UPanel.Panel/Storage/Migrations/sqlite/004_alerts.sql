-- Alerts: each server's evaluator state (versioned: two panels never both apply an evaluation), the alerts that fired
-- or resolved, where notifications go, and the outbox that delivers them. An event and its outbox rows are written
-- in the same transaction as the state that produced them; a sender leases a row before it sends.
CREATE TABLE alert_state (
    server_id TEXT PRIMARY KEY REFERENCES servers (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    state TEXT NOT NULL
);

CREATE TABLE alert_events (
    id INTEGER PRIMARY KEY,
    server_id TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    container TEXT,
    firing INTEGER NOT NULL,
    summary TEXT NOT NULL,
    at INTEGER NOT NULL
);

CREATE INDEX ix_alert_events_server ON alert_events (server_id, id);

CREATE TABLE alert_channels (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE alert_outbox (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES alert_events (id) ON DELETE CASCADE,
    channel_id TEXT NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until INTEGER NOT NULL DEFAULT 0,
    delivered_at INTEGER,
    last_error TEXT
);

CREATE INDEX ix_alert_outbox_due ON alert_outbox (next_attempt_at) WHERE delivered_at IS NULL;
