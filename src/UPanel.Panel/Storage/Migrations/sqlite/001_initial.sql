-- Times are Unix milliseconds (UTC) in both dialects so the queries are shared.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE servers (
    id TEXT PRIMARY KEY,
    hostname TEXT NOT NULL,
    os_version TEXT NOT NULL,
    cpu_cores INTEGER NOT NULL,
    ram_mb INTEGER NOT NULL,
    disk_gb INTEGER NOT NULL,
    registered_agent_version TEXT NOT NULL,
    machine_id TEXT,
    token_hash TEXT UNIQUE,
    token_hash_prev TEXT UNIQUE,
    prev_expires_at INTEGER,
    pending_token_sealed TEXT,
    revoked_at INTEGER,
    next_heartbeat_seconds INTEGER NOT NULL,
    target_agent_version TEXT,
    update_url TEXT,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER,
    latest_sample_at INTEGER,
    latest_seq INTEGER,
    latest_agent_version TEXT,
    latest_container_count INTEGER,
    latest_heartbeat TEXT
);

CREATE TABLE heartbeats (
    id INTEGER PRIMARY KEY,
    server_id TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    heartbeat_id TEXT,
    seq INTEGER,
    sample_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    agent_version TEXT NOT NULL,
    cpu_percent REAL,
    ram_used_mb INTEGER,
    ram_total_mb INTEGER,
    disk_used_gb INTEGER,
    disk_total_gb INTEGER,
    load_1 REAL,
    load_5 REAL,
    load_15 REAL,
    network_in_bytes INTEGER,
    network_out_bytes INTEGER,
    container_count INTEGER,
    containers TEXT
);

CREATE UNIQUE INDEX ux_heartbeats_server_heartbeat_id ON heartbeats (server_id, heartbeat_id);
CREATE INDEX ix_heartbeats_server_sample ON heartbeats (server_id, sample_at);
CREATE INDEX ix_heartbeats_sample ON heartbeats (sample_at);

CREATE TABLE install_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    server_id TEXT,
    machine_key TEXT
);
