-- Maintenance: no notifications for a server, or one of its containers, until a time. Alerts are still recorded
-- (alert_events.muted: a mute held it back when it was recorded); a repeat of a firing alert is an outbox row with its
-- repeat_number (0: the first send).
CREATE TABLE alert_mutes (
    id text PRIMARY KEY,
    server_id text NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    container text,
    until bigint NOT NULL,
    created_at bigint NOT NULL
);

CREATE INDEX ix_alert_mutes_server ON alert_mutes (server_id, until);

ALTER TABLE alert_events ADD COLUMN muted boolean NOT NULL DEFAULT false;

ALTER TABLE alert_outbox ADD COLUMN repeat_number bigint NOT NULL DEFAULT 0;
