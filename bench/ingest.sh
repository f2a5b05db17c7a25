#!/usr/bin/env bash
# The panel's heartbeat ingest at fleet scale: bench/Ingest registers SERVERS servers through the API, then drives the
# real panel from CONNECTIONS connections for SECONDS: first GET /healthz (the ceiling: same server, no body, no
# database), then heartbeats (20 containers each, fresh ids). Prints requests/s, p50/p99, errors, the panel's CPU per
# request and RSS for both, the heartbeats' share of the ceiling, and the bytes the database grew per heartbeat with
# the projection for 1,000 servers at 60 s for 30 days. On SQLite, and on PostgreSQL when UPANEL_TEST_POSTGRES is set
# (scripts/services.sh exports it).
# Usage: bench/ingest.sh [--short]    (env SERVERS=200 CONNECTIONS=32 SECONDS=30; --short: 20 servers, 8, 5 s)
set -euo pipefail
cd "$(dirname "$0")/.."
servers=${SERVERS:-200} connections=${CONNECTIONS:-32} seconds=${SECONDS_PER_PHASE:-30}
[ "${1:-}" = "--short" ] && { servers=20 connections=8 seconds=5; }
work=$(mktemp -d "${TMPDIR:-/tmp}/upanel-ingest-bench.XXXXXX")
panel_pid= database=
cleanup() {
  [ -n "$panel_pid" ] && kill "$panel_pid" 2>/dev/null
  wait 2>/dev/null
  [ -n "$database" ] && psql "${pg_url}" -qc "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

echo "publishing the panel and the load generator ..." >&2
dotnet publish src/UPanel.Panel -c Release -o "$work/panel" --nologo -v quiet >/dev/null
dotnet publish bench/Ingest -c Release -o "$work/ingest" --nologo -v quiet >/dev/null

run() { # engine; the panel's environment is set by the caller
  local engine=$1 port data=$work/data-$1
  port=$(free_port)
  "$work/panel/upanel-panel" --urls "http://127.0.0.1:$port" --data-dir "$data" >"$work/panel-$engine.log" 2>&1 &
  panel_pid=$!
  for _ in $(seq 240); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.25; done
  curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" || { echo "panel did not start: $(tail -n 3 "$work/panel-$engine.log")" >&2; exit 1; }
  local before after out accepted
  before=$(size_of "$engine")
  echo "== $engine: $servers servers, $connections connections, $seconds s per phase (load $(cut -d' ' -f1-3 /proc/loadavg))"
  out=$(UPANEL_ADMIN_KEY=$(cat "$data/admin-key") "$work/ingest/ingest" "http://127.0.0.1:$port" "$panel_pid" "$servers" "$connections" "$seconds")
  echo "$out" | grep -v '^heartbeats accepted'
  accepted=$(echo "$out" | sed -n 's/^heartbeats accepted: //p')
  # Stopped first: SQLite folds its write-ahead log into the database when the last connection closes.
  kill "$panel_pid"; wait "$panel_pid" 2>/dev/null || true; panel_pid=
  after=$(size_of "$engine")
  [ "$accepted" -gt 0 ] || { echo "no heartbeat was accepted" >&2; exit 1; }
  awk -v b=$((after - before)) -v n="$accepted" 'BEGIN {
    printf "database grew %.1f MB for %d heartbeats: %.0f bytes each; 1,000 servers at 60 s for 30 days: %.0f GB\n",
      b / 1e6, n, b / n, b / n * 1000 * 1440 * 30 / 1e9 }'
}

size_of() { # bytes the engine's database holds now
  if [ "$1" = sqlite ]; then du -sb "$work/data-sqlite" 2>/dev/null | cut -f1 || echo 0
  else
    # Live data only: each heartbeat rewrites its server's row (latest state), and the dead versions, which autovacuum
    # makes reusable, would otherwise count as history (4 KB a heartbeat with 20 varied containers).
    psql "${pg_url%/postgres}/$database" -qc "VACUUM FULL" >/dev/null
    psql "$pg_url" -tAc "SELECT pg_database_size('$database')"
  fi
}

run sqlite
if [ -n "${UPANEL_TEST_POSTGRES:-}" ]; then
  # The test connection string (Host=...;Port=...;Username=...;Database=...) as a libpq URL for psql.
  pg_host=$(echo "$UPANEL_TEST_POSTGRES" | sed -n 's/.*Host=\([^;]*\).*/\1/p')
  pg_port=$(echo "$UPANEL_TEST_POSTGRES" | sed -n 's/.*Port=\([^;]*\).*/\1/p')
  pg_user=$(echo "$UPANEL_TEST_POSTGRES" | sed -n 's/.*Username=\([^;]*\).*/\1/p')
  pg_url="postgresql://$pg_user@$pg_host:$pg_port/postgres"
  database=upanel_ingest_$$
  psql "$pg_url" -qc "CREATE DATABASE $database" >/dev/null
  UPANEL_POSTGRES="Host=$pg_host;Port=$pg_port;Username=$pg_user;Database=$database" run postgres
else
  echo "== postgres: skipped (UPANEL_TEST_POSTGRES not set: source scripts/services.sh)"
fi
