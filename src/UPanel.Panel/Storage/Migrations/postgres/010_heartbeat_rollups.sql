-- History older than a day, rolled up (Storage/HistoryRollup.cs, docs/panel.md "History"): one row per server and
-- 4 minutes, each metric as its count, min, max and sum (so a chart's bucket average is exact), the network counters'
-- rates between consecutive samples inside the 4 minutes likewise, and the first and last counter readings so the
-- rate across two rows is computed when the chart is built. Raw heartbeats are deleted in the transaction that rolls
-- them up.
CREATE TABLE heartbeat_rollups (
    server_id text NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    bucket_at bigint NOT NULL,
    samples bigint NOT NULL,
    first_at bigint NOT NULL,
    last_at bigint NOT NULL,
    first_in bigint,
    first_out bigint,
    last_in bigint,
    last_out bigint,
    cpu_n bigint NOT NULL,
    cpu_min double precision,
    cpu_max double precision,
    cpu_sum double precision,
    ram_n bigint NOT NULL,
    ram_min double precision,
    ram_max double precision,
    ram_sum double precision,
    ram_total_max double precision,
    disk_n bigint NOT NULL,
    disk_min double precision,
    disk_max double precision,
    disk_sum double precision,
    disk_total_max double precision,
    load_n bigint NOT NULL,
    load_min double precision,
    load_max double precision,
    load_sum double precision,
    in_n bigint NOT NULL,
    in_min double precision,
    in_max double precision,
    in_sum double precision,
    out_n bigint NOT NULL,
    out_min double precision,
    out_max double precision,
    out_sum double precision,
    PRIMARY KEY (server_id, bucket_at)
);
