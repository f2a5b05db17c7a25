-- The alert evaluation's disk forecast sums a server's window of heartbeats (IPanelStore.GetDiskTrendAsync) after
-- every heartbeat that became the latest: with the disk columns in the (server_id, sample_at) index it reads only the
-- index's entries for the window, next to each other, instead of looking every row up in the table, where a server's
-- rows lie one to a page among every other server's (docs/decisions/ingest-throughput.md, fifth pass). The same
-- index, so a heartbeat still writes one entry in it.
DROP INDEX ix_heartbeats_server_sample;
CREATE INDEX ix_heartbeats_server_sample ON heartbeats (server_id, sample_at, disk_used_gb, disk_total_gb);
