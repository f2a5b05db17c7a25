-- Both rollup tables rebuilt with narrower columns, the 4-byte ones together after the id so nothing is padded
-- (docs/decisions/narrow-rollup-columns.md): a 4-minute rollup was 341 bytes in its page, 264 now. Counts are integer;
-- RAM and disk extremes integer (the heartbeat validator caps them at 2^30 MB and GB); CPU and load extremes real,
-- read back as the decimal they were written as (SqlPanelStore.ReadSlice); sums, times, counters and network rates
-- stay 8 bytes, so averages and rates are what they were. SQLite keeps its columns (its records are already compact).
CREATE TABLE heartbeat_rollups_narrow (
    server_id text NOT NULL,
    samples integer NOT NULL,
    cpu_n integer NOT NULL,
    ram_n integer NOT NULL,
    disk_n integer NOT NULL,
    load_n integer NOT NULL,
    in_n integer NOT NULL,
    out_n integer NOT NULL,
    cpu_min real,
    cpu_max real,
    load_min real,
    load_max real,
    ram_min integer,
    ram_max integer,
    ram_total_max integer,
    disk_min integer,
    disk_max integer,
    disk_total_max integer,
    bucket_at bigint NOT NULL,
    first_at bigint NOT NULL,
    last_at bigint NOT NULL,
    first_in bigint,
    first_out bigint,
    last_in bigint,
    last_out bigint,
    cpu_sum double precision,
    ram_sum double precision,
    disk_sum double precision,
    load_sum double precision,
    in_min double precision,
    in_max double precision,
    in_sum double precision,
    out_min double precision,
    out_max double precision,
    out_sum double precision
);

CREATE TABLE heartbeat_rollups_hourly_narrow (LIKE heartbeat_rollups_narrow);

-- Whole numbers outside integer's range cannot come from a validated heartbeat; one stored before the validator would
-- be cut to the range rather than fail the migration (by CASE: LEAST and GREATEST would turn a NULL into a bound). A CPU
-- or load too small for a real (under 1e-45, which PostgreSQL refuses as an underflow) is stored as 0, as the panel's
-- writer does (SqlPanelStore.WriteRollupsAsync).
INSERT INTO heartbeat_rollups_narrow
SELECT server_id, CAST(samples AS integer), CAST(cpu_n AS integer), CAST(ram_n AS integer), CAST(disk_n AS integer),
    CAST(load_n AS integer), CAST(in_n AS integer), CAST(out_n AS integer),
    CAST(CASE WHEN abs(cpu_min) < 1e-45 THEN 0 ELSE cpu_min END AS real),
    CAST(CASE WHEN abs(cpu_max) < 1e-45 THEN 0 ELSE cpu_max END AS real),
    CAST(CASE WHEN abs(load_min) < 1e-45 THEN 0 ELSE load_min END AS real),
    CAST(CASE WHEN abs(load_max) < 1e-45 THEN 0 ELSE load_max END AS real),
    CAST(CASE WHEN ram_min > 2147483647 THEN 2147483647 WHEN ram_min < -2147483648 THEN -2147483648 ELSE ram_min END AS integer),
    CAST(CASE WHEN ram_max > 2147483647 THEN 2147483647 WHEN ram_max < -2147483648 THEN -2147483648 ELSE ram_max END AS integer),
    CAST(CASE WHEN ram_total_max > 2147483647 THEN 2147483647 WHEN ram_total_max < -2147483648 THEN -2147483648 ELSE ram_total_max END AS integer),
    CAST(CASE WHEN disk_min > 2147483647 THEN 2147483647 WHEN disk_min < -2147483648 THEN -2147483648 ELSE disk_min END AS integer),
    CAST(CASE WHEN disk_max > 2147483647 THEN 2147483647 WHEN disk_max < -2147483648 THEN -2147483648 ELSE disk_max END AS integer),
    CAST(CASE WHEN disk_total_max > 2147483647 THEN 2147483647 WHEN disk_total_max < -2147483648 THEN -2147483648 ELSE disk_total_max END AS integer),
    bucket_at, first_at, last_at, first_in, first_out, last_in, last_out,
    cpu_sum, ram_sum, disk_sum, load_sum, in_min, in_max, in_sum, out_min, out_max, out_sum
FROM heartbeat_rollups;

INSERT INTO heartbeat_rollups_hourly_narrow
SELECT server_id, CAST(samples AS integer), CAST(cpu_n AS integer), CAST(ram_n AS integer), CAST(disk_n AS integer),
    CAST(load_n AS integer), CAST(in_n AS integer), CAST(out_n AS integer),
    CAST(CASE WHEN abs(cpu_min) < 1e-45 THEN 0 ELSE cpu_min END AS real),
    CAST(CASE WHEN abs(cpu_max) < 1e-45 THEN 0 ELSE cpu_max END AS real),
    CAST(CASE WHEN abs(load_min) < 1e-45 THEN 0 ELSE load_min END AS real),
    CAST(CASE WHEN abs(load_max) < 1e-45 THEN 0 ELSE load_max END AS real),
    CAST(CASE WHEN ram_min > 2147483647 THEN 2147483647 WHEN ram_min < -2147483648 THEN -2147483648 ELSE ram_min END AS integer),
    CAST(CASE WHEN ram_max > 2147483647 THEN 2147483647 WHEN ram_max < -2147483648 THEN -2147483648 ELSE ram_max END AS integer),
    CAST(CASE WHEN ram_total_max > 2147483647 THEN 2147483647 WHEN ram_total_max < -2147483648 THEN -2147483648 ELSE ram_total_max END AS integer),
    CAST(CASE WHEN disk_min > 2147483647 THEN 2147483647 WHEN disk_min < -2147483648 THEN -2147483648 ELSE disk_min END AS integer),
    CAST(CASE WHEN disk_max > 2147483647 THEN 2147483647 WHEN disk_max < -2147483648 THEN -2147483648 ELSE disk_max END AS integer),
    CAST(CASE WHEN disk_total_max > 2147483647 THEN 2147483647 WHEN disk_total_max < -2147483648 THEN -2147483648 ELSE disk_total_max END AS integer),
    bucket_at, first_at, last_at, first_in, first_out, last_in, last_out,
    cpu_sum, ram_sum, disk_sum, load_sum, in_min, in_max, in_sum, out_min, out_max, out_sum
FROM heartbeat_rollups_hourly;

DROP TABLE heartbeat_rollups;
DROP TABLE heartbeat_rollups_hourly;
ALTER TABLE heartbeat_rollups_narrow RENAME TO heartbeat_rollups;
ALTER TABLE heartbeat_rollups_hourly_narrow RENAME TO heartbeat_rollups_hourly;
-- The keys built once over the rows copied (faster than kept up row by row), named as before.
ALTER TABLE heartbeat_rollups ADD CONSTRAINT heartbeat_rollups_pkey PRIMARY KEY (server_id, bucket_at),
    ADD CONSTRAINT heartbeat_rollups_server_id_fkey FOREIGN KEY (server_id) REFERENCES servers (id) ON DELETE CASCADE;
ALTER TABLE heartbeat_rollups_hourly ADD CONSTRAINT heartbeat_rollups_hourly_pkey PRIMARY KEY (server_id, bucket_at),
    ADD CONSTRAINT heartbeat_rollups_hourly_server_id_fkey FOREIGN KEY (server_id) REFERENCES servers (id) ON DELETE CASCADE;
