-- Times are Unix milliseconds (UTC) in both dialects so the queries are shared.
CREATE TABLE settings (
    key text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE servers (
    id text PRIMARY KEY,
    hostname text NOT NULL,
    os_version text NOT NULL,
    cpu_cores bigint NOT NULL,
    ram_mb bigint NOT NULL,
    disk_gb bigint NOT NULL,
    registered_agent_version text NOT NULL,
    machine_id text,
    token_hash text UNIQUE,
    token_hash_prev text UNIQUE,
    prev_expires_at bigint,
    pending_token_sealed text,
    revoked_at bigint,
    next_heartbeat_seconds bigint NOT NULL,
    target_agent_version text,
    update_url text,
    created_at bigint NOT NULL,
    last_seen_at bigint,
    latest_sample_at bigint,
    latest_seq bigint,
    latest_agent_version text,
    latest_container_count bigint,
    latest_heartbeat text
);

CREATE TABLE heartbeats (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    server_id text NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    heartbeat_id text,
    seq bigint,
    sample_at bigint NOT NULL,
    received_at bigint NOT NULL,
    agent_version text NOT NULL,
    cpu_percent double precision,
    ram_used_mb bigint,
    ram_total_mb bigint,
    disk_used_gb bigint,
    disk_total_gb bigint,
    load_1 double precision,
    load_5 double precision,
    load_15 double precision,
    network_in_bytes bigint,
    network_out_bytes bigint,
    container_count bigint,
    containers text
);

CREATE UNIQUE INDEX ux_heartbeats_server_heartbeat_id ON heartbeats (server_id, heartbeat_id);
CREATE INDEX ix_heartbeats_server_sample ON heartbeats (server_id, sample_at);
CREATE INDEX ix_heartbeats_sample ON heartbeats (sample_at);

CREATE TABLE install_tokens (
    token_hash text PRIMARY KEY,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    used_at bigint,
    server_id text,
    machine_key text
);
