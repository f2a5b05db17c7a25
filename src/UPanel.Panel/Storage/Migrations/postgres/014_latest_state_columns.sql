-- The latest state a list of servers shows, in columns written with latest_heartbeat (Storage/HeartbeatWriter.cs), so
-- the admin API's list and the overview read 1,000 servers without parsing each one's latest heartbeat JSON (most of
-- the list's time in bench/history.sh). latest_heartbeat stays for what one server's page needs (its containers).
-- The containers counts are 0 with no latest heartbeat, or when Docker could not be asked.
ALTER TABLE servers
    ADD COLUMN latest_cpu_percent double precision,
    ADD COLUMN latest_ram_used_mb bigint,
    ADD COLUMN latest_ram_total_mb bigint,
    ADD COLUMN latest_disk_used_gb bigint,
    ADD COLUMN latest_disk_total_gb bigint,
    ADD COLUMN latest_load_1 double precision,
    ADD COLUMN latest_load_5 double precision,
    ADD COLUMN latest_load_15 double precision,
    ADD COLUMN latest_network_in_bytes bigint,
    ADD COLUMN latest_network_out_bytes bigint,
    ADD COLUMN latest_containers_unhealthy bigint NOT NULL DEFAULT 0,
    ADD COLUMN latest_containers_exited bigint NOT NULL DEFAULT 0,
    ADD COLUMN latest_containers_restarting bigint NOT NULL DEFAULT 0;

UPDATE servers s SET
    latest_cpu_percent = (j.m ->> 'cpu_percent')::double precision,
    latest_ram_used_mb = (j.m ->> 'ram_used_mb')::bigint,
    latest_ram_total_mb = (j.m ->> 'ram_total_mb')::bigint,
    latest_disk_used_gb = (j.m ->> 'disk_used_gb')::bigint,
    latest_disk_total_gb = (j.m ->> 'disk_total_gb')::bigint,
    latest_load_1 = (j.m -> 'load_average' ->> 0)::double precision,
    latest_load_5 = (j.m -> 'load_average' ->> 1)::double precision,
    latest_load_15 = (j.m -> 'load_average' ->> 2)::double precision,
    latest_network_in_bytes = (j.m ->> 'network_in_bytes')::bigint,
    latest_network_out_bytes = (j.m ->> 'network_out_bytes')::bigint,
    latest_containers_unhealthy = (SELECT COUNT(*) FROM jsonb_array_elements(j.c) e WHERE e ->> 'health' = 'unhealthy'),
    latest_containers_exited = (SELECT COUNT(*) FROM jsonb_array_elements(j.c) e WHERE e ->> 'status' IN ('exited', 'dead')),
    latest_containers_restarting = (SELECT COUNT(*) FROM jsonb_array_elements(j.c) e WHERE e ->> 'status' = 'restarting')
FROM (
    SELECT id, h -> 'metrics' AS m, CASE WHEN jsonb_typeof(h -> 'containers') = 'array' THEN h -> 'containers' ELSE '[]'::jsonb END AS c
    FROM (SELECT id, latest_heartbeat::jsonb AS h FROM servers WHERE latest_heartbeat IS NOT NULL) parsed
) j
WHERE s.id = j.id;
