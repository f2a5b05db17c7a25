-- Alert rule settings: scope '*' holds the panel-wide settings, any other scope is a server's id and holds that
-- server's own. settings is a JSON object of the fields set (docs/panel.md, "Alerts"); what it leaves out is inherited.
CREATE TABLE alert_rules (
    scope text PRIMARY KEY,
    settings text NOT NULL,
    updated_at bigint NOT NULL
);
