-- The alert evaluation's disk forecast reads a server's window from the (server_id, sample_at) index alone
-- (sqlite/016_disk_trend_covering_index.sql; docs/decisions/ingest-throughput.md, fifth pass).
DROP INDEX ix_heartbeats_server_sample;
CREATE INDEX ix_heartbeats_server_sample ON heartbeats (server_id, sample_at) INCLUDE (disk_used_gb, disk_total_gb);
