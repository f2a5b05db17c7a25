-- Per-server heartbeat limits (GCRA): the "theoretical arrival time" of each bucket, Unix milliseconds. In the
-- database, not in a process, so several panels on one PostgreSQL share them.
ALTER TABLE servers ADD COLUMN rate_tat INTEGER NOT NULL DEFAULT 0;
ALTER TABLE servers ADD COLUMN quota_tat INTEGER NOT NULL DEFAULT 0;
