-- History older than a day, rolled up (Storage/HistoryRollup.cs, docs/panel.md "History"): one row per server and
-- 4 minutes, each metric as its count, min, max and sum (so a chart's bucket average is exact), the network counters'
-- rates between consecutive samples inside the 4 minutes likewise, and the first and last counter readings so the
-- rate across two rows is computed when the chart is built. Raw heartbeats are deleted in the transaction that rolls
-- them up. WITHOUT ROWID: the primary key is the table, no second copy of it in an index.
CREATE TABLE heartbeat_rollups (
    server_id TEXT NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    bucket_at INTEGER NOT NULL,
    samples INTEGER NOT NULL,
    first_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    first_in INTEGER,
    first_out INTEGER,
    last_in INTEGER,
    last_out INTEGER,
    cpu_n INTEGER NOT NULL,
    cpu_min REAL,
    cpu_max REAL,
    cpu_sum REAL,
    ram_n INTEGER NOT NULL,
    ram_min REAL,
    ram_max REAL,
    ram_sum REAL,
    ram_total_max REAL,
    disk_n INTEGER NOT NULL,
    disk_min REAL,
    disk_max REAL,
    disk_sum REAL,
    disk_total_max REAL,
    load_n INTEGER NOT NULL,
    load_min REAL,
    load_max REAL,
    load_sum REAL,
    in_n INTEGER NOT NULL,
    in_min REAL,
    in_max REAL,
    in_sum REAL,
    out_n INTEGER NOT NULL,
    out_min REAL,
    out_max REAL,
    out_sum REAL,
    PRIMARY KEY (server_id, bucket_at)
) WITHOUT ROWID;
