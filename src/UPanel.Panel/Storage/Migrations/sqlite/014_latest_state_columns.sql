-- The latest state a list of servers shows, in columns written with latest_heartbeat (Storage/HeartbeatWriter.cs), so
-- the admin API's list and the overview read 1,000 servers without parsing each one's latest heartbeat JSON (most of
-- the list's time in bench/history.sh). latest_heartbeat stays for what one server's page needs (its containers).
-- The containers counts are 0 with no latest heartbeat, or when Docker could not be asked.
ALTER TABLE servers ADD COLUMN latest_cpu_percent REAL;
ALTER TABLE servers ADD COLUMN latest_ram_used_mb INTEGER;
ALTER TABLE servers ADD COLUMN latest_ram_total_mb INTEGER;
ALTER TABLE servers ADD COLUMN latest_disk_used_gb INTEGER;
ALTER TABLE servers ADD COLUMN latest_disk_total_gb INTEGER;
ALTER TABLE servers ADD COLUMN latest_load_1 REAL;
ALTER TABLE servers ADD COLUMN latest_load_5 REAL;
ALTER TABLE servers ADD COLUMN latest_load_15 REAL;
ALTER TABLE servers ADD COLUMN latest_network_in_bytes INTEGER;
ALTER TABLE servers ADD COLUMN latest_network_out_bytes INTEGER;
ALTER TABLE servers ADD COLUMN latest_containers_unhealthy INTEGER NOT NULL DEFAULT 0;
ALTER TABLE servers ADD COLUMN latest_containers_exited INTEGER NOT NULL DEFAULT 0;
ALTER TABLE servers ADD COLUMN latest_containers_restarting INTEGER NOT NULL DEFAULT 0;

UPDATE servers SET
    latest_cpu_percent = json_extract(latest_heartbeat, '$.metrics.cpu_percent'),
    latest_ram_used_mb = json_extract(latest_heartbeat, '$.metrics.ram_used_mb'),
    latest_ram_total_mb = json_extract(latest_heartbeat, '$.metrics.ram_total_mb'),
    latest_disk_used_gb = json_extract(latest_heartbeat, '$.metrics.disk_used_gb'),
    latest_disk_total_gb = json_extract(latest_heartbeat, '$.metrics.disk_total_gb'),
    latest_load_1 = json_extract(latest_heartbeat, '$.metrics.load_average[0]'),
    latest_load_5 = json_extract(latest_heartbeat, '$.metrics.load_average[1]'),
    latest_load_15 = json_extract(latest_heartbeat, '$.metrics.load_average[2]'),
    latest_network_in_bytes = json_extract(latest_heartbeat, '$.metrics.network_in_bytes'),
    latest_network_out_bytes = json_extract(latest_heartbeat, '$.metrics.network_out_bytes'),
    latest_containers_unhealthy = (SELECT COUNT(*) FROM json_each(latest_heartbeat, '$.containers') c
        WHERE c.type = 'object' AND json_extract(c.value, '$.health') = 'unhealthy'),
    latest_containers_exited = (SELECT COUNT(*) FROM json_each(latest_heartbeat, '$.containers') c
        WHERE c.type = 'object' AND json_extract(c.value, '$.status') IN ('exited', 'dead')),
    latest_containers_restarting = (SELECT COUNT(*) FROM json_each(latest_heartbeat, '$.containers') c
        WHERE c.type = 'object' AND json_extract(c.value, '$.status') = 'restarting')
WHERE latest_heartbeat IS NOT NULL;
