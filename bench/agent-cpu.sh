#!/usr/bin/env bash
# The agent's whole-process CPU per heartbeat, beside a reference agent binary in the same window: both report every
# 5 s to one real panel (SQLite) with the Docker socket, health on; CPU is utime + stime from /proc/PID/stat over
# WINDOW seconds after a 30 s warm-up, as `top` counts it (threads that exited included).
# Usage: bench/agent-cpu.sh REF_AGENT [AGENT]     (AGENT: artifacts/agent/upanel-agent; env WINDOW=300; --short: 60)
# e.g. REF_AGENT: a previous commit's build, to see what a change did to the agent's CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
window=${WINDOW:-300}
[ "${1:-}" = "--short" ] && { window=60; shift; }
ref=${1:?usage: bench/agent-cpu.sh [--short] REF_AGENT [AGENT]} agent=${2:-artifacts/agent/upanel-agent}
work=$(mktemp -d "${TMPDIR:-/tmp}/upanel-agent-cpu.XXXXXX")
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

dotnet publish src/UPanel.Panel -c Release -o "$work/panel" --nologo -v quiet >/dev/null
port=$(free_port)
"$work/panel/upanel-panel" --urls "http://127.0.0.1:$port" --data-dir "$work/data" >"$work/panel.log" 2>&1 &
pids+=($!)
for _ in $(seq 240); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.25; done
python3 - "http://127.0.0.1:$port" "$(cat "$work/data/admin-key")" "$work" <<'PY'
import json, sys, urllib.request, uuid
url, admin, work = sys.argv[1:4]
def post(path, token, body):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
for name in ("agent", "ref"):
    install = post("/api/admin/install-tokens", admin, {})["install_token"]
    reg = post("/api/agent/register", install, {"hostname": "cpu-" + name, "os_version": "bench", "cpu_cores": 2,
        "ram_mb": 1, "disk_gb": 1, "agent_version": "1.0.0", "machine_id": uuid.uuid4().hex})
    post(f"/api/admin/servers/{reg['server_id']}/settings", admin, {"next_heartbeat_seconds": 5})
    with open(f"{work}/{name}.env", "w") as f:
        f.write(f"PANEL_URL={url}\nSERVER_ID={reg['server_id']}\nAGENT_TOKEN={reg['agent_token']}\n")
PY
declare -A pid
for name in agent ref; do
  chmod 600 "$work/$name.env"
  binary=$agent; [ "$name" = ref ] && binary=$ref
  "$binary" run --env-file "$work/$name.env" --heartbeat-interval 5 --state-dir "$work/state-$name" \
    --health-listen "127.0.0.1:$(free_port)" >"$work/$name.log" 2>&1 &
  pid[$name]=$!
  pids+=($!)
done
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sleep 30
a0=$(cpu "${pid[agent]}") r0=$(cpu "${pid[ref]}")
sleep "$window"
a1=$(cpu "${pid[agent]}") r1=$(cpu "${pid[ref]}")
ticks=$(getconf CLK_TCK)
awk -v a=$((a1 - a0)) -v r=$((r1 - r0)) -v t="$ticks" -v w="$window" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
    -v ar="$(awk '/^VmRSS:/{print $2}' "/proc/${pid[agent]}/status")" -v rr="$(awk '/^VmRSS:/{print $2}' "/proc/${pid[ref]}/status")" 'BEGIN {
  cycles = w / 5
  printf "agent CPU per 5 s heartbeat over %d s (load %s):\n", w, load
  printf "%-6s %14s %10s\n", "", "ms per cycle", "VmRSS kB"
  printf "%-6s %14.2f %10d\n", "agent", a * 1000 / t / cycles, ar
  printf "%-6s %14.2f %10d\n", "ref", r * 1000 / t / cycles, rr
  if (r > 0) printf "ratio agent/ref: %.2f\n", a / r }'
