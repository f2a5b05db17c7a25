#!/usr/bin/env bash
# How full PostgreSQL keeps the history tables' per-server indexes when rows arrive in the panel's order, beside the
# same indexes rebuilt (docs/decisions/history-index-rebuild.md). Keys only: the index does not depend on the heap.
#   rollups: every simulated hour, each server's fifteen 4-minute rollups and its hour (the hour before rewritten, as
#     the next pass rewrites it), server after server in id order (SqlPanelStore.RollUpBatchAsync); from day
#     RETENTION_DAYS on, the oldest hour pruned each hour; VACUUM each simulated day (autovacuum is off on the tables).
#   heartbeats: every simulated minute, one heartbeat a server (ULID heartbeat_id of the sample time, servers in random
#     order); each hour, those older than 25 hours deleted (the rollup); VACUUM every 4 simulated hours.
# Prints bytes a key of each index after the fill, at the end (steady state), and after REINDEX.
# REBUILD=1: the panel's rule applied through the steady phase (Storage/HistoryIndexes.cs: rebuilt past 1.25 times its
#   rebuilt size, here the bytes a key measured rebuilt: 59.1 rollups, 77.3 heartbeats; REINDEX, not CONCURRENTLY, which
#   builds the same index), checked each simulated day for the rollups (the panel: hourly) and every 6 hours (its
#   period) for the heartbeats; prints the largest and the mean bytes a key the checks saw.
#   SERVERS (100), RETENTION_DAYS (30), STEADY_DAYS (15): the rollups; HB_SERVERS (400), HB_HOURS (50): heartbeats.
#   --short: 20 servers x 3 days then 2, 20 servers' heartbeats for 40 hours, with the rule (CI: seconds).
#   UPANEL_TEST_POSTGRES: the server (Host=...;Port=...;Username=...); a database of its own, dropped at the end.
set -euo pipefail
if [ "${1:-}" = --short ]; then
  export SERVERS=20 RETENTION_DAYS=3 STEADY_DAYS=2 HB_SERVERS=20 HB_HOURS=40 REBUILD=1
fi
servers=${SERVERS:-100} retention=${RETENTION_DAYS:-30} steady=${STEADY_DAYS:-15}
hb_servers=${HB_SERVERS:-400} hb_hours=${HB_HOURS:-50} rebuild=${REBUILD:-0}
cs=${UPANEL_TEST_POSTGRES:?source /tmp/testenv.sh}
field() { tr ';' '\n' <<<"$cs" | sed -n "s/^$1=//Ip" | head -1; }
base="postgresql://$(field Username)@$(field Host):$(field Port)"
db=upanel_index_fill_$$
psql "$base/postgres" -qc "CREATE DATABASE $db"
trap 'psql "$base/postgres" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1' EXIT
q() { psql "$base/$db" -qAtX -v ON_ERROR_STOP=1 "$@"; }

q <<SQL
CREATE TABLE sim_servers AS
    SELECT '01JEX' || upper(substr(md5(i::text), 1, 21)) AS id FROM generate_series(1, greatest($servers, $hb_servers)) i;
CREATE TABLE heartbeat_rollups (server_id text NOT NULL, bucket_at bigint NOT NULL, PRIMARY KEY (server_id, bucket_at))
    WITH (autovacuum_enabled = off);
CREATE TABLE heartbeat_rollups_hourly (server_id text NOT NULL, bucket_at bigint NOT NULL, PRIMARY KEY (server_id, bucket_at))
    WITH (autovacuum_enabled = off);
CREATE TABLE heartbeats (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, server_id text NOT NULL, heartbeat_id text, sample_at bigint NOT NULL,
    disk_used_gb bigint, disk_total_gb bigint) WITH (autovacuum_enabled = off);
CREATE UNIQUE INDEX ux_heartbeats_server_heartbeat_id ON heartbeats (server_id, heartbeat_id);
CREATE INDEX ix_heartbeats_server_sample ON heartbeats (server_id, sample_at) INCLUDE (disk_used_gb, disk_total_gb);
CREATE INDEX ix_heartbeats_sample ON heartbeats (sample_at);
CREATE TABLE sim_log (id serial, index text, keys bigint, bytes bigint, rebuilt boolean);
CREATE PROCEDURE sim_check(tab text, idx text, per_key float8) LANGUAGE plpgsql AS \$\$
DECLARE n bigint; b bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM %I', tab) INTO n;
    b := pg_relation_size(idx::regclass);
    INSERT INTO sim_log (index, keys, bytes, rebuilt) VALUES (idx, n, b, b > 1.25 * per_key * n);
    IF b > 1.25 * per_key * n THEN EXECUTE format('REINDEX INDEX %I', idx); END IF;
END \$\$;
SQL

report() {
  q -F' ' <<SQL
SELECT '$1', c.relname, t.n, pg_relation_size(c.oid), round(pg_relation_size(c.oid)::numeric / greatest(t.n, 1), 1)
FROM pg_class c
JOIN pg_index i ON i.indexrelid = c.oid
JOIN (SELECT 'heartbeat_rollups' AS rel, count(*) AS n FROM heartbeat_rollups
      UNION ALL SELECT 'heartbeat_rollups_hourly', count(*) FROM heartbeat_rollups_hourly
      UNION ALL SELECT 'heartbeats', count(*) FROM heartbeats) t ON t.rel = i.indrelid::regclass::text
WHERE c.relkind = 'i' AND c.relnamespace = 'public'::regnamespace AND t.n > 0
ORDER BY 2;
SQL
}

echo "postgres $(q -c 'SHOW server_version'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "phase index keys bytes bytes_a_key"
hours=$(((retention + steady) * 24)) keep=$((retention * 24))
{
  for ((h = 1; h <= hours; h++)); do
    echo "INSERT INTO heartbeat_rollups SELECT s.id, $h * 15 + k FROM (SELECT id FROM sim_servers ORDER BY id LIMIT $servers) s, generate_series(0, 14) k ORDER BY s.id, k;"
    echo "DELETE FROM heartbeat_rollups_hourly WHERE bucket_at = $((h - 1));"
    echo "INSERT INTO heartbeat_rollups_hourly SELECT s.id, b FROM (SELECT id FROM sim_servers ORDER BY id LIMIT $servers) s, generate_series($((h - 1)), $h) b ORDER BY s.id, b;"
    if ((h > keep)); then
      echo "DELETE FROM heartbeat_rollups WHERE bucket_at < $(((h - keep) * 15 + 15)); DELETE FROM heartbeat_rollups_hourly WHERE bucket_at <= $((h - keep));"
    fi
    if ((h % 24 == 0)); then echo "VACUUM heartbeat_rollups, heartbeat_rollups_hourly;"; fi
    if ((rebuild && h % 24 == 0 && h > keep)); then
      echo "CALL sim_check('heartbeat_rollups', 'heartbeat_rollups_pkey', 59.1); CALL sim_check('heartbeat_rollups_hourly', 'heartbeat_rollups_hourly_pkey', 59.4);"
    fi
    if ((h == keep)); then exec >"/tmp/$db.rollups2.sql"; fi
  done
} > "/tmp/$db.rollups.sql"
q -f "/tmp/$db.rollups.sql"; report filled | grep rollups
q -f "/tmp/$db.rollups2.sql"
{
  for ((m = 1; m <= hb_hours * 60; m++)); do
    echo "INSERT INTO heartbeats (server_id, heartbeat_id, sample_at, disk_used_gb, disk_total_gb) SELECT id, lpad(to_hex($m * 60000 + 1700000000000), 12, '0') || upper(substr(md5(random()::text), 1, 14)), $m * 60000, 40, 100 FROM (SELECT id FROM sim_servers ORDER BY id LIMIT $hb_servers) s ORDER BY random();"
    if ((m % 60 == 0 && m > 25 * 60)); then echo "DELETE FROM heartbeats WHERE sample_at < $(((m - 25 * 60) * 60000));"; fi
    if ((m % 240 == 0)); then echo "VACUUM heartbeats;"; fi
    if ((rebuild && m % 360 == 0 && m > 25 * 60)); then
      echo "CALL sim_check('heartbeats', 'ix_heartbeats_server_sample', 77.3); CALL sim_check('heartbeats', 'ux_heartbeats_server_heartbeat_id', 77.5);"
    fi
    if ((m == 25 * 60)); then exec >"/tmp/$db.heartbeats2.sql"; fi
  done
} > "/tmp/$db.heartbeats.sql"
q -f "/tmp/$db.heartbeats.sql"; report filled | grep -v rollups
q -f "/tmp/$db.heartbeats2.sql"
rm -f /tmp/"$db".*.sql
q -c "VACUUM" ; report steady
if ((rebuild)); then
  # The first check finds the fill's bloat; what the rule keeps is seen at the checks after the first rebuild.
  echo "with the rule, after its first rebuild: index checks rebuilds largest_bytes_a_key_at_a_check mean_at_a_check"
  q -F' ' -c "SELECT l.index, count(*), count(*) FILTER (WHERE rebuilt), round(max(bytes::numeric / keys), 1), round(avg(bytes::numeric / keys), 1)
    FROM sim_log l WHERE l.id > (SELECT min(id) FROM sim_log f WHERE f.index = l.index AND f.rebuilt) GROUP BY 1 ORDER BY 1"
fi
q -c "REINDEX DATABASE $db" 2>/dev/null || q -c "REINDEX SCHEMA public"
report reindexed
