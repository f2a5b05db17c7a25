#!/usr/bin/env bash
# The detail page's chart request on a month of history: generates 30 days of minute heartbeats (43,200 rows) for one
# server into a fresh SQLite panel database, then times GET /ui/servers/{id}/series for range=30d beside range=1h
# (the reference, same run, same panel, signed in as a browser is). Target: 30d under 200 ms.
# Usage: bench/panel-series.sh   (env RUNS, default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-20}
work=$(mktemp -d "${TMPDIR:-/tmp}/upanel-series-bench.XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

dotnet publish src/UPanel.Panel -c Release -o "$work/panel" --nologo -v quiet >/dev/null
start_panel() {
  "$work/panel/upanel-panel" --urls "$url" --data-dir "$work/data" >"$work/panel.log" 2>&1 &
  pid=$!
  for _ in $(seq 120); do grep -q "Now listening on" "$work/panel.log" && return; sleep 0.5; done
  echo "panel did not start: $(tail -n 3 "$work/panel.log")" >&2; exit 1
}

start_panel
token=$("$work/panel/upanel-panel" install-token create --data-dir "$work/data")
server=$(curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"hostname":"bench-host","os_version":"bench","cpu_cores":2,"ram_mb":4096,"disk_gb":100,"agent_version":"1.0.0"}' \
  "$url/api/agent/register" | python3 -c 'import json,sys; print(json.load(sys.stdin)["server_id"])')
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=

python3 - "$work/data/panel.db" "$server" <<'PY'
import sqlite3, sys, time, math
db, server = sys.argv[1], sys.argv[2]
now = int(time.time()) * 1000
rows = []
net_in = net_out = 0
for i in range(43200):
    at = now - (43200 - i) * 60000
    net_in += 50000 + (i % 17) * 1000
    net_out += 20000 + (i % 13) * 500
    rows.append((server, f"bench-{i}", i, at, at, "1.0.0", 20 + 15 * math.sin(i / 90), 1500 + i % 300, 4096,
                 40 + i // 4320, 100, 0.5 + (i % 60) / 60, 0.4, 0.3, net_in, net_out, 5))
con = sqlite3.connect(db)
con.executemany("""INSERT INTO heartbeats (server_id, heartbeat_id, seq, sample_at, received_at, agent_version, cpu_percent,
    ram_used_mb, ram_total_mb, disk_used_gb, disk_total_gb, load_1, load_5, load_15, network_in_bytes, network_out_bytes,
    container_count) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""", rows)
con.execute("UPDATE servers SET next_heartbeat_seconds = 60 WHERE id = ?", (server,))
con.commit()
print(f"generated {len(rows)} minute heartbeats (30 days) for server {server}")
PY

start_panel
jar=$work/cookies
form=$(curl -fsS -c "$jar" "$url/signin")
field=$(sed -n 's/.*name="\(__RequestVerificationToken\)" value="\([^"]*\)".*/\1/p' <<<"$form")
value=$(sed -n 's/.*name="__RequestVerificationToken" value="\([^"]*\)".*/\1/p' <<<"$form")
curl -fsS -o /dev/null -b "$jar" -c "$jar" --data-urlencode "$field=$value" --data-urlencode "key=$(cat "$work/data/admin-key")" \
  --data-urlencode "return=/" "$url/signin"

measure() {
  local range=$1 times=()
  curl -fsS -o /dev/null -b "$jar" "$url/ui/servers/$server/series?range=$range"   # warm-up
  for _ in $(seq "$runs"); do
    times+=("$(curl -fsS -o /dev/null -b "$jar" -w '%{time_total}' "$url/ui/servers/$server/series?range=$range")")
  done
  local bytes points
  bytes=$(curl -fsS -b "$jar" "$url/ui/servers/$server/series?range=$range" | wc -c)
  points=$(curl -fsS -b "$jar" "$url/ui/servers/$server/series?range=$range" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["time"]), d["samples"])')
  printf '%s\n' "${times[@]}" | sort -n | awk -v r="$range" -v b="$bytes" -v p="$points" \
    '{t[NR]=$1} END {split(p, q, " "); printf "range=%-4s samples %6d  points %4d  response %7d B  median %6.1f ms  p90 %6.1f ms  max %6.1f ms\n", r, q[2], q[1], b, t[int((NR+1)/2)]*1000, t[int(NR*0.9)]*1000, t[NR]*1000}'
}
echo "GET /ui/servers/{id}/series, $runs runs each (SQLite, $(nproc) cores):"
measure 1h
measure 30d
