#!/usr/bin/env bash
# The panel's heartbeat ingest at fleet scale: bench/Ingest registers SERVERS servers through the API, then drives the
# real panel from CONNECTIONS connections, WARMUP seconds of both unmeasured (the runtime recompiles the hot paths
# optimized in the first seconds under load), then SECONDS each: first GET /healthz (the ceiling: same server, no body, no
# database), then heartbeats (20 containers each, fresh ids). Prints requests/s, p50/p99, errors, the panel's CPU per
# request and RSS for both, the load generator's own CPU per request and the cores the machine kept busy, the heartbeats' share of the ceiling, and where the database's bytes went, table by
# table with its indexes (and TOAST), raw and once the panel rolled them up (moved three days back and the panel
# started again): history (heartbeats and both rollup tiers) per heartbeat, the rest (each server's row, container and
# alert state, its install token) per server, and from both the projection for 1,000 servers at 60 s for 30 days (25
# hours raw, the rest rolled up). On SQLite, and on PostgreSQL when UPANEL_TEST_POSTGRES is set
# (scripts/services.sh exports it). With --instances N (PostgreSQL only): the scale-out of docs/scale-out.md instead,
# one panel and then N panels on one database behind nginx round-robin, in the same run (CPU and RSS summed over them).
# Usage: bench/ingest.sh [--short] [--instances N]
#        (env SERVERS=200 CONNECTIONS=32 SECONDS_PER_PHASE=30 WARMUP_SECONDS=10; --short: 20 servers, 8, 5 s, 3 s;
#        ENGINES="sqlite postgres": the engines measured, either alone to measure one; PANEL_BUILD, INGEST_BUILD: a
#        directory holding a published panel or load generator to run instead of publishing this checkout's, so
#        alternated runs of two builds publish each once; SIZES=0: the database's growth and rollup left out)
set -euo pipefail
cd "$(dirname "$0")/.."
servers=${SERVERS:-200} connections=${CONNECTIONS:-32} seconds=${SECONDS_PER_PHASE:-30} warmup=${WARMUP_SECONDS:-10} instances=
engines=" ${ENGINES:-sqlite postgres} "
while [ $# -gt 0 ]; do
  case $1 in
    --short) servers=20 connections=8 seconds=5 warmup=3 ;;
    --instances) instances=${2:-}; shift ;;
    *) echo "usage: bench/ingest.sh [--short] [--instances N]" >&2; exit 2 ;;
  esac
  shift
done
[ -z "$instances" ] || [ "$instances" -ge 2 ] 2>/dev/null || { echo "--instances: a number of panels, at least 2" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/upanel-ingest-bench.XXXXXX")
panel_pid='' database='' fleet_pids=() fleet_databases=()
cleanup() {
  # A process that already ended is no error: the bench's own exit status stands.
  [ -n "$panel_pid" ] && { kill "$panel_pid" 2>/dev/null || true; }
  for pid in "${fleet_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "$database" ] && psql "${pg_url}" -qc "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1
  for db in "${fleet_databases[@]}"; do psql "${pg_url}" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

panel_build=${PANEL_BUILD:-$work/panel} ingest_build=${INGEST_BUILD:-$work/ingest}
if [ -z "${PANEL_BUILD:-}" ]; then
  echo "publishing the panel ..." >&2
  dotnet publish src/UPanel.Panel -c Release -o "$work/panel" --nologo -v quiet >/dev/null
fi
if [ -z "${INGEST_BUILD:-}" ]; then
  echo "publishing the load generator ..." >&2
  dotnet publish bench/Ingest -c Release -o "$work/ingest" --nologo -v quiet >/dev/null
fi
[ -x "$panel_build/upanel-panel" ] && [ -x "$ingest_build/ingest" ] || { echo "no upanel-panel in $panel_build or no ingest in $ingest_build" >&2; exit 1; }

start_panel() { # engine: the panel on its data (environment set by the caller); sets port and panel_pid
  local engine=$1
  port=$(free_port)
  "$panel_build/upanel-panel" --urls "http://127.0.0.1:$port" --data-dir "$work/data-$engine" >"$work/panel-$engine.log" 2>&1 &
  panel_pid=$!
  for _ in $(seq 240); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.25; done
  curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" || { echo "panel did not start: $(tail -n 3 "$work/panel-$engine.log")" >&2; exit 1; }
}
stop_panel() { kill "$panel_pid"; wait "$panel_pid" 2>/dev/null || true; panel_pid=; }

run() { # engine; the panel's environment is set by the caller
  local engine=$1 port data=$work/data-$1
  local before after rolled out accepted
  start_panel "$engine"
  if [ "${SIZES:-1}" != 0 ]; then
    # The empty database measured as the others are, the panel stopped (SQLite's log folded in), once migrated.
    stop_panel
    before=$(size_of "$engine")
    tables_of "$engine" >"$work/tables-$engine-before"
    start_panel "$engine"
  fi
  echo "== $engine: $servers servers, $connections connections, $seconds s per phase after $warmup s of warm-up (load $(cut -d' ' -f1-3 /proc/loadavg))"
  out=$(UPANEL_ADMIN_KEY=$(cat "$data/admin-key") "$ingest_build/ingest" "http://127.0.0.1:$port" "$panel_pid" "$servers" "$connections" "$seconds" "$warmup")
  echo "$out" | grep -v '^heartbeats accepted'
  accepted=$(echo "$out" | sed -n 's/^heartbeats accepted: //p')
  # Stopped first: SQLite folds its write-ahead log into the database when the last connection closes.
  stop_panel
  [ "$accepted" -gt 0 ] || { echo "no heartbeat was accepted" >&2; exit 1; }
  [ "${SIZES:-1}" != 0 ] || return 0
  after=$(size_of "$engine")
  tables_of "$engine" >"$work/tables-$engine-raw"
  # History is raw for 25 hours, then 4-minute rollups: the heartbeats just stored are moved three days back, a minute
  # apart on each server as its seq numbers them, and the panel started again rolls them up as it would those.
  local base=$(( ($(date +%s) - 3 * 86400) * 1000 ))
  sql "$engine" "UPDATE heartbeats SET sample_at = $base + seq * 60000"
  start_panel "$engine"
  for _ in $(seq 600); do grep -q "Retention: rolled" "$work/panel-$engine.log" && break; sleep 0.5; done
  grep -q "Retention: rolled" "$work/panel-$engine.log" || { echo "no rollup: $(tail -n 3 "$work/panel-$engine.log")" >&2; exit 1; }
  stop_panel
  rolled=$(size_of "$engine")
  tables_of "$engine" >"$work/tables-$engine-rolled"
  # History grows with every heartbeat; the rest once per server (this bench's containers never change state, so a
  # server keeps one container state). Counting the rest per heartbeat, as this line did before 2026-12-07, charged the
  # fleet 43,200 times each server's row (8 KB on PostgreSQL since fillfactor 25) where the run had a few hundred.
  awk -v b=$((after - before)) -v r=$((rolled - before)) -v n="$accepted" -v servers="$servers" \
    -v history="heartbeats heartbeat_rollups heartbeat_rollups_hourly" '
    FILENAME ~ /-before$/ { zero[$1] = $2; next }
    FILENAME ~ /-raw$/ { raw[$1] = $2 - zero[$1]; names[$1] = 1; next }
    { rolled[$1] = $2 - zero[$1]; names[$1] = 1 }
    END {
      split(history, h, " "); for (i in h) kept[h[i]] = 1
      printf "%-26s %9s %11s\n", "table, with its indexes", "raw MB", "rolled MB"
      for (i = 1; i <= 3; i++) { printf "%-26s %9.2f %11.2f\n", h[i], raw[h[i]] / 1e6, rolled[h[i]] / 1e6; hr += raw[h[i]]; hd += rolled[h[i]] }
      for (t in names) if (!(t in kept) && (raw[t] != 0 || rolled[t] != 0)) printf "%-26s %9.2f %11.2f\n", t, raw[t] / 1e6, rolled[t] / 1e6
      rest_raw = b - hr; rest = r - hd
      printf "%-26s %9.2f %11.2f\n", "the rest (files, catalog)", (rest_raw - sum_other("raw")) / 1e6, (rest - sum_other("rolled")) / 1e6
      per_raw = hr / n; per_rolled = hd / n; per_server = rest / servers
      printf "database grew %.1f MB for %d heartbeats of %d servers: history %.0f bytes a heartbeat raw, %.0f rolled up; the rest %.1f KB a server; 1,000 servers at 60 s for 30 days (25 h raw, then rollups): %.1f GB (all raw: %.0f GB; the rest counted per heartbeat, as before: %.1f GB)\n",
        b / 1e6, n, servers, per_raw, per_rolled, per_server / 1e3, 1000 * (1500 * per_raw + (43200 - 1500) * per_rolled + per_server) / 1e9,
        1000 * (43200 * per_raw + per_server) / 1e9, 1000 * (1500 * b + (43200 - 1500) * r) / n / 1e9
    }
    function sum_other(phase,   t, total) {
      for (t in names) if (!(t in kept)) total += (phase == "raw" ? raw[t] : rolled[t])
      return total
    }' "$work/tables-$engine-before" "$work/tables-$engine-raw" "$work/tables-$engine-rolled"
}

sql() { # engine statement: run on the bench's database
  if [ "$1" = sqlite ]; then python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()' "$work/data-sqlite/panel.db" "$2"
  else psql "${pg_url%/postgres}/$database" -qc "$2" >/dev/null; fi
}

tables_of() { # engine: "table bytes" for each table, its indexes (and TOAST) with it, once size_of has compacted the database
  if [ "$1" = sqlite ]; then
    python3 -c 'import sqlite3, sys
for name, size in sqlite3.connect(sys.argv[1]).execute("""SELECT COALESCE(m.tbl_name, s.name), SUM(s.pgsize) FROM dbstat s
        LEFT JOIN sqlite_schema m ON m.name = s.name GROUP BY 1"""): print(name, size)' "$work/data-sqlite/panel.db"
  else
    psql "${pg_url%/postgres}/$database" -tAF' ' -c "SELECT relname, pg_total_relation_size(oid) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
  fi
}

size_of() { # bytes the engine's database holds now
  if [ "$1" = sqlite ]; then
    # Without the free pages rows deleted (rolled up) leave, as PostgreSQL's VACUUM FULL below.
    [ -z "$panel_pid" ] && [ -f "$work/data-sqlite/panel.db" ] && sql sqlite "VACUUM"
    du -sb "$work/data-sqlite" 2>/dev/null | cut -f1 || echo 0
  else
    # Live data only: each heartbeat rewrites its server's row (latest state), and the dead versions, which autovacuum
    # makes reusable, would otherwise count as history (4 KB a heartbeat with 20 varied containers).
    psql "${pg_url%/postgres}/$database" -qc "VACUUM FULL" >/dev/null
    psql "$pg_url" -tAc "SELECT pg_database_size('$database')"
  fi
}

fleet() { # n: panels on one fresh PostgreSQL database behind nginx round-robin (docs/scale-out.md); heartbeats/s to $work/rate-n
  local n=$1 db=upanel_ingest_$$_$1 port proxy upstreams='' pids=() i key token out
  psql "$pg_url" -qc "CREATE DATABASE $db" >/dev/null
  fleet_databases+=("$db")
  # What every panel of one database shares: the admin key and the token key (it seals the cookie keys).
  key=$(head -c 32 /dev/urandom | base64 | tr -d '=+/') token=$(head -c 32 /dev/urandom | base64)
  for i in $(seq "$n"); do
    port=$(free_port)
    UPANEL_POSTGRES="Host=$pg_host;Port=$pg_port;Username=$pg_user;Database=$db" UPANEL_ADMIN_KEY=$key UPANEL_TOKEN_KEY=$token \
      "$panel_build/upanel-panel" --urls "http://127.0.0.1:$port" --data-dir "$work/fleet$n-$i" >"$work/panel-fleet$n-$i.log" 2>&1 &
    pids+=($!) fleet_pids+=($!)
    upstreams+="server 127.0.0.1:$port; "
    wait_healthy "http://127.0.0.1:$port" "$work/panel-fleet$n-$i.log"
  done
  proxy=$(free_port)
  mkdir -p "$work/nginx$n"
  cat >"$work/nginx$n.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $work/nginx$n/nginx.pid;
error_log $work/nginx$n/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx$n; proxy_temp_path $work/nginx$n; fastcgi_temp_path $work/nginx$n;
  uwsgi_temp_path $work/nginx$n; scgi_temp_path $work/nginx$n;
  upstream panels { $upstreams keepalive 64; }
  server {
    listen 127.0.0.1:$proxy;
    client_max_body_size 2m;
    location / { proxy_pass http://panels; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host \$host; }
  }
}
EOF
  /usr/sbin/nginx -c "$work/nginx$n.conf" -p "$work/nginx$n" >"$work/nginx$n.log" 2>&1 &
  fleet_pids+=($!)
  local nginx_pid=$!
  wait_healthy "http://127.0.0.1:$proxy" "$work/nginx$n/error.log"
  echo "== postgres, $n panel(s) behind nginx round-robin: $servers servers, $connections connections, $seconds s per phase after $warmup s of warm-up (load $(cut -d' ' -f1-3 /proc/loadavg))"
  # CPU and RSS are the panels' together, nginx's left out.
  out=$(UPANEL_ADMIN_KEY=$key "$ingest_build/ingest" "http://127.0.0.1:$proxy" "$(IFS=,; echo "${pids[*]}")" "$servers" "$connections" "$seconds" "$warmup")
  echo "$out" | grep -v '^heartbeats accepted'
  [ "$(echo "$out" | sed -n 's/^heartbeats accepted: //p')" -gt 0 ] || { echo "no heartbeat was accepted" >&2; exit 1; }
  kill "${pids[@]}" "$nginx_pid"; wait "${pids[@]}" "$nginx_pid" 2>/dev/null || true
  echo "$out" | awk '$1 == "heartbeat" { print $2 }' >"$work/rate-$n"
}

wait_healthy() { # url log
  for _ in $(seq 240); do curl -fsS -o /dev/null "$1/healthz" 2>/dev/null && return; sleep 0.25; done
  echo "$1 did not answer: $(tail -n 3 "$2")" >&2; exit 1
}

if [ -n "${UPANEL_TEST_POSTGRES:-}" ]; then
  # The test connection string (Host=...;Port=...;Username=...;Database=...) as a libpq URL for psql.
  pg_host=$(echo "$UPANEL_TEST_POSTGRES" | sed -n 's/.*Host=\([^;]*\).*/\1/p')
  pg_port=$(echo "$UPANEL_TEST_POSTGRES" | sed -n 's/.*Port=\([^;]*\).*/\1/p')
  pg_user=$(echo "$UPANEL_TEST_POSTGRES" | sed -n 's/.*Username=\([^;]*\).*/\1/p')
  pg_url="postgresql://$pg_user@$pg_host:$pg_port/postgres"
fi

if [ -n "$instances" ]; then
  [ -n "${UPANEL_TEST_POSTGRES:-}" ] || { echo "--instances needs PostgreSQL: source scripts/services.sh (UPANEL_TEST_POSTGRES)" >&2; exit 1; }
  [ -x /usr/sbin/nginx ] || { echo "--instances needs nginx: apt-get install nginx-light" >&2; exit 1; }
  fleet 1
  fleet "$instances"
  awk -v one="$(cat "$work/rate-1")" -v many="$(cat "$work/rate-$instances")" -v n="$instances" 'BEGIN {
    printf "heartbeats/s: %.0f with one panel, %.0f with %d behind the same nginx: %.2f times one panel\n", one, many, n, many / one }'
  exit 0
fi

case $engines in *" sqlite "*) run sqlite ;; esac
if [[ $engines != *" postgres "* ]]; then
  :
elif [ -n "${UPANEL_TEST_POSTGRES:-}" ]; then
  database=upanel_ingest_$$
  psql "$pg_url" -qc "CREATE DATABASE $database" >/dev/null
  UPANEL_POSTGRES="Host=$pg_host;Port=$pg_port;Username=$pg_user;Database=$database" run postgres
else
  echo "== postgres: skipped (UPANEL_TEST_POSTGRES not set: source scripts/services.sh)"
fi
