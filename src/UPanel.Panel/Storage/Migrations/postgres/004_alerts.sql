-- Alerts: each server's evaluator state (versioned: two panels never both apply an evaluation), the alerts that fired
-- or resolved, where notifications go, and the outbox that delivers them. An event and its outbox rows are written
-- in the same transaction as the state that produced them; a sender leases a row before it sends.
CREATE TABLE alert_state (
    server_id text PRIMARY KEY REFERENCES servers (id) ON DELETE CASCADE,
    version bigint NOT NULL,
    state text NOT NULL
);

CREATE TABLE alert_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    server_id text NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    kind text NOT NULL,
    container text,
    firing boolean NOT NULL,
    summary text NOT NULL,
    at bigint NOT NULL
);

CREATE INDEX ix_alert_events_server ON alert_events (server_id, id);

CREATE TABLE alert_channels (
    id text PRIMARY KEY,
    kind text NOT NULL,
    url text NOT NULL,
    secret text,
    created_at bigint NOT NULL
);

CREATE TABLE alert_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id bigint NOT NULL REFERENCES alert_events (id) ON DELETE CASCADE,
    channel_id text NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
    attempts bigint NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL,
    lease_until bigint NOT NULL DEFAULT 0,
    delivered_at bigint,
    last_error text
);

CREATE INDEX ix_alert_outbox_due ON alert_outbox (next_attempt_at) WHERE delivered_at IS NULL;
