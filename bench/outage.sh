#!/usr/bin/env bash
# A panel outage with real agents and the real panel (SQLite): AGENTS agents (each its own registered server, STATE_DIR
# and /health) report every INTERVAL s; the panel is stopped for OUTAGE s and started again on the same data; the bench
# waits until every agent's queue is empty, then counts from the panel's database. Printed per fleet size:
#   produced    samples the agents took (stored + lost + still queued)
#   stored      rows in the panel; duplicated = rows whose seq was already stored (must be 0)
#   lost        gaps in each server's 5 s sample grid (must be 0 within the queue's bound)
#   drain       seconds from the panel's return until the last queue was empty
#   peak        the most heartbeats the panel stored in one second during the drain (the fleet's drain pressure)
#   RSS         mean agent RSS before the outage and after the drain (kB, /proc/PID/smaps_rollup)
# Usage: bench/outage.sh [--short]   env: AGENTS (default "1 50"), OUTAGE (600 s; --short: 20), INTERVAL (5)
set -euo pipefail
cd "$(dirname "$0")/.."
outage=${OUTAGE:-600}
fleets=${AGENTS:-"1 50"}
warmup=30
if [ "${1:-}" = "--short" ]; then outage=${OUTAGE:-20}; fleets=${AGENTS:-"1 5"}; warmup=12; fi
interval=${INTERVAL:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/upanel-outage-bench.XXXXXX")
panel_pid=
agent_pids=()
cleanup() {
  [ -n "$panel_pid" ] && kill "$panel_pid" 2>/dev/null
  for p in "${agent_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

echo "publishing the panel and the agent ..." >&2
dotnet publish src/UPanel.Panel -c Release -o "$work/panel" --nologo -v quiet >/dev/null
agent=${UPANEL_AGENT_BINARY:-}
if [ -z "$agent" ]; then
  dotnet publish src/UPanel.Agent -c Release -o "$work/agent" --nologo -v quiet >/dev/null
  agent=$work/agent/upanel-agent
fi

start_panel() { # data dir, port
  "$work/panel/upanel-panel" --urls "http://127.0.0.1:$2" --data-dir "$1" >>"$1.log" 2>&1 &
  panel_pid=$!
  for _ in $(seq 240); do curl -fsS -o /dev/null "http://127.0.0.1:$2/healthz" 2>/dev/null && return; sleep 0.25; done
  echo "panel did not start: $(tail -n 3 "$1.log")" >&2
  exit 1
}

queued() { # total queue length over all agents' /health; -1 when one does not answer
  local total=0 port n
  for port in "$@"; do
    n=$(curl -fsS --max-time 5 "http://127.0.0.1:$port/health" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["queue_length"])' 2>/dev/null) || n=-1
    [ "$n" -lt 0 ] && { echo -1; return; }
    total=$((total + n))
  done
  echo "$total"
}

mean_rss() { # mean Rss (kB) of the agents
  local sum=0 p
  for p in "${agent_pids[@]}"; do sum=$((sum + $(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup"))); done
  echo $((sum / ${#agent_pids[@]}))
}

results=()
for n in $fleets; do
  run=$work/run-$n
  mkdir -p "$run"
  port=$(free_port)
  url=http://127.0.0.1:$port
  start_panel "$run/data" "$port"
  echo "fleet of $n: registering, then $warmup s of normal reporting ..." >&2
  python3 - "$url" "$(cat "$run/data/admin-key")" "$n" "$interval" "$run" <<'PY'
import json, sys, urllib.request, uuid
url, admin, n, interval, run = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def post(path, token, body):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
for i in range(n):
    install = post("/api/admin/install-tokens", admin, {})["install_token"]
    reg = post("/api/agent/register", install, {"hostname": f"outage-{i:03d}", "os_version": "Debian 12", "cpu_cores": 2,
        "ram_mb": 4096, "disk_gb": 100, "agent_version": "1.0.0", "machine_id": uuid.uuid4().hex})
    post(f"/api/admin/servers/{reg['server_id']}/settings", admin, {"next_heartbeat_seconds": interval})
    with open(f"{run}/agent-{i}.env", "w") as f:
        f.write(f"PANEL_URL={url}\nSERVER_ID={reg['server_id']}\nAGENT_TOKEN={reg['agent_token']}\n")
PY
  health_ports=()
  agent_pids=()
  for i in $(seq 0 $((n - 1))); do
    hp=$(free_port)
    health_ports+=("$hp")
    chmod 600 "$run/agent-$i.env"
    LOG_LEVEL=Information "$agent" run --env-file "$run/agent-$i.env" --heartbeat-interval "$interval" \
      --state-dir "$run/state-$i" --health-listen "127.0.0.1:$hp" --docker-host "unix://$run/no-docker.sock" \
      >"$run/agent-$i.log" 2>&1 &
    agent_pids+=($!)
  done
  sleep "$warmup"
  rss_before=$(mean_rss)

  echo "fleet of $n: panel down for $outage s ..." >&2
  kill -TERM "$panel_pid"; wait "$panel_pid" 2>/dev/null || true
  sleep "$outage"
  waiting=$(queued "${health_ports[@]}")
  up_ms=$(date +%s%3N)
  start_panel "$run/data" "$port"
  while [ "$(queued "${health_ports[@]}")" != 0 ]; do
    [ $(( $(date +%s%3N) - up_ms )) -gt $(( (outage + 600) * 1000 )) ] && { echo "the queues did not drain" >&2; exit 1; }
    sleep 0.5
  done
  drained_ms=$(date +%s%3N)
  rss_after=$(mean_rss)
  for p in "${agent_pids[@]}"; do kill -TERM "$p"; done
  for p in "${agent_pids[@]}"; do wait "$p" || true; done
  agent_pids=()
  left=$(cat "$run"/agent-*.log | sed -n 's/.*Reporter stopped with \([0-9]*\) heartbeats queued.*/\1/p' | awk '{s += $1} END {print s + 0}')
  kill -TERM "$panel_pid"; wait "$panel_pid" 2>/dev/null || true
  panel_pid=

  results+=("$(python3 - "$run/data/panel.db" "$interval" "$up_ms" "$drained_ms" "$left" "$n" "$waiting" "$rss_before" "$rss_after" <<'PY'
import sqlite3, sys
db, interval, up, drained, left, n, waiting, rss_before, rss_after = sys.argv[1], int(sys.argv[2]), *map(int, sys.argv[3:])
con = sqlite3.connect(db)
rows = stored = duplicated = lost = 0
for (server,) in con.execute("SELECT id FROM servers"):
    samples = [r for r in con.execute("SELECT seq, sample_at FROM heartbeats WHERE server_id = ? ORDER BY sample_at", (server,))]
    rows += len(samples)
    seqs = [s for s, _ in samples]
    duplicated += len(seqs) - len(set(seqs))
    stored += len(set(seqs))
    for (_, a), (_, b) in zip(samples, samples[1:]):
        gap = (b - a) / 1000 / interval
        lost += max(0, round(gap) - 1)
per_second = {}
for (received,) in con.execute("SELECT received_at FROM heartbeats WHERE received_at >= ?", (up,)):
    per_second[received // 1000] = per_second.get(received // 1000, 0) + 1
peak = max(per_second.values(), default=0)
print(f"{n:>6} {stored + lost + left:>9} {stored:>7} {lost:>5} {duplicated:>11} {waiting:>7} {(drained - up) / 1000:>8.1f} {peak:>7} {rss_before:>11} {rss_after:>10}")
PY
)")
done

echo "panel outage of $outage s, heartbeat every $interval s, SQLite, $(nproc) cores (load $(cut -d' ' -f1-3 /proc/loadavg)):"
printf '%6s %9s %7s %5s %11s %7s %8s %7s %11s %10s\n' agents produced stored lost duplicated queued "drain s" "peak/s" "RSS before" "RSS after"
printf '%s\n' "${results[@]}"
