-- The 4-minute rollups of each hour rolled up once more, kept beside them (Storage/HistoryRollup.cs,
-- docs/decisions/hourly-rollups.md): a chart whose buckets are whole hours (30 days: 2 hours) reads one row an hour,
-- not fifteen. Same columns as heartbeat_rollups; the network rates between consecutive 4-minute rollups of the hour
-- are counted in it (as the chart counts them: not across a counter reset, nor a pause over 3 heartbeat intervals).
-- The panel rewrites an hour's row in the transaction that changes its 4-minute rollups; the ones already stored
-- are rolled up here.
CREATE TABLE heartbeat_rollups_hourly (
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

INSERT INTO heartbeat_rollups_hourly (server_id, bucket_at, first_at, last_at, samples, first_in, first_out, last_in, last_out,
    cpu_n, cpu_min, cpu_max, cpu_sum, ram_n, ram_min, ram_max, ram_sum, ram_total_max,
    disk_n, disk_min, disk_max, disk_sum, disk_total_max, load_n, load_min, load_max, load_sum,
    in_n, in_min, in_max, in_sum, out_n, out_min, out_max, out_sum)
SELECT server_id, hour_at, MIN(first_at), MAX(last_at), SUM(samples),
    MAX(CASE WHEN first_of_hour = 1 THEN first_in END), MAX(CASE WHEN first_of_hour = 1 THEN first_out END),
    MAX(CASE WHEN last_of_hour = 1 THEN last_in END), MAX(CASE WHEN last_of_hour = 1 THEN last_out END),
    SUM(cpu_n), MIN(cpu_min), MAX(cpu_max), SUM(cpu_sum),
    SUM(ram_n), MIN(ram_min), MAX(ram_max), SUM(ram_sum), MAX(ram_total_max),
    SUM(disk_n), MIN(disk_min), MAX(disk_max), SUM(disk_sum), MAX(disk_total_max),
    SUM(load_n), MIN(load_min), MAX(load_max), SUM(load_sum),
    SUM(in_n) + COUNT(in_rate),
    MIN(CASE WHEN in_rate IS NULL OR in_rate > in_min THEN in_min ELSE in_rate END),
    MAX(CASE WHEN in_rate IS NULL OR in_rate < in_max THEN in_max ELSE in_rate END),
    CASE WHEN SUM(in_n) + COUNT(in_rate) > 0 THEN COALESCE(SUM(in_sum), 0) + COALESCE(SUM(in_rate), 0) END,
    SUM(out_n) + COUNT(out_rate),
    MIN(CASE WHEN out_rate IS NULL OR out_rate > out_min THEN out_min ELSE out_rate END),
    MAX(CASE WHEN out_rate IS NULL OR out_rate < out_max THEN out_max ELSE out_rate END),
    CASE WHEN SUM(out_n) + COUNT(out_rate) > 0 THEN COALESCE(SUM(out_sum), 0) + COALESCE(SUM(out_rate), 0) END
FROM (
    SELECT r.*, r.bucket_at / 3600000 * 3600000 AS hour_at,
        CASE WHEN r.prev_bucket / 3600000 = r.bucket_at / 3600000 THEN 0 ELSE 1 END AS first_of_hour,
        CASE WHEN r.next_bucket / 3600000 = r.bucket_at / 3600000 THEN 0 ELSE 1 END AS last_of_hour,
        CASE WHEN r.prev_bucket / 3600000 = r.bucket_at / 3600000 AND r.first_in >= r.prev_in
                AND r.first_at > r.prev_at AND r.first_at - r.prev_at <= r.gap_ms
            THEN (r.first_in - r.prev_in) * CAST(1000 AS DOUBLE PRECISION) / (r.first_at - r.prev_at) END AS in_rate,
        CASE WHEN r.prev_bucket / 3600000 = r.bucket_at / 3600000 AND r.first_out >= r.prev_out
                AND r.first_at > r.prev_at AND r.first_at - r.prev_at <= r.gap_ms
            THEN (r.first_out - r.prev_out) * CAST(1000 AS DOUBLE PRECISION) / (r.first_at - r.prev_at) END AS out_rate
    FROM (
        SELECT h.*, s.next_heartbeat_seconds * 3000 AS gap_ms,
            LAG(h.bucket_at) OVER w AS prev_bucket, LEAD(h.bucket_at) OVER w AS next_bucket,
            LAG(h.last_at) OVER w AS prev_at, LAG(h.last_in) OVER w AS prev_in, LAG(h.last_out) OVER w AS prev_out
        FROM heartbeat_rollups h JOIN servers s ON s.id = h.server_id
        WINDOW w AS (PARTITION BY h.server_id ORDER BY h.bucket_at)
    ) r
) t
GROUP BY server_id, hour_at;
