#!/usr/bin/env bash
# The agent's whole-process CPU per heartbeat, beside a reference agent binary in the same window: both report every
# 5 s to one real panel (SQLite) with the Docker socket, health on; CPU is utime + stime from /proc/PID/stat over
# WINDOW seconds after a 30 s warm-up, as `top` counts it (threads that exited included).
# Usage: bench/agent-cpu.sh REF_AGENT [AGENT]     (AGENT: artifacts/agent/upanel-agent; env WINDOW=300; --short: 60)
# e.g. REF_AGENT: a previous commit's build, to see what a change did to the agent's CPU. COPIES=N (1) runs N instances
# of each build in the same window, so the spread between copies shows the noise of a shared machine. Paths given are
# taken from the caller's directory (the default AGENT from the repository's); an agent that exits during the warm-up
# stops the bench with its log. SCHEME=https (default http) has every agent report over https instead: nginx terminates
# TLS in front of the panel with a certificate for 127.0.0.1 from a private CA the agents trust through SSL_CERT_FILE,
# as bench/side-by-side.sh does it (nginx must be installed: apt-get install nginx-light). INTERVAL=N (5) sets the
# heartbeat interval in seconds (e.g. 60, the default's, with a WINDOW of 900 or more).
set -euo pipefail
caller=$PWD
cd "$(dirname "$0")/.."
window=${WINDOW:-300} copies=${COPIES:-1} scheme=${SCHEME:-http} interval=${INTERVAL:-5}
case $scheme in http | https) ;; *) echo "SCHEME is http or https, not $scheme" >&2; exit 1 ;; esac
[[ $interval =~ ^[1-9][0-9]*$ ]] || { echo "INTERVAL is whole seconds, not $interval" >&2; exit 1; }
[ "$scheme" = http ] || [ -x /usr/sbin/nginx ] || { echo "SCHEME=https needs nginx (apt-get install nginx-light)" >&2; exit 1; }
[ "${1:-}" = "--short" ] && { window=60; shift; }
ref=${1:?usage: bench/agent-cpu.sh [--short] REF_AGENT [AGENT]} agent=${2:-artifacts/agent/upanel-agent}
[[ $ref == /* ]] || ref=$caller/$ref
[ -z "${2:-}" ] || [[ $agent == /* ]] || agent=$caller/$agent
for binary in "$ref" "$agent"; do [ -x "$binary" ] || { echo "no executable at $binary" >&2; exit 1; }; done
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
agent_url=http://127.0.0.1:$port
if [ "$scheme" = https ]; then
  . bench/tls-nginx.sh
  start_tls_nginx "http://127.0.0.1:$port" ||
    { echo "nginx did not start:" >&2; cat "$work/nginx.log" "$work/nginx/error.log" >&2 2>/dev/null; exit 1; }
  agent_url=$tls_url
  export SSL_CERT_FILE=$work/ca.pem
fi
names=()
for i in $(seq "$copies"); do
  suffix=""; [ "$copies" -gt 1 ] && suffix=$i
  names+=("agent$suffix" "ref$suffix")
done
python3 - "http://127.0.0.1:$port" "$(cat "$work/data/admin-key")" "$work" "$agent_url" "$interval" "${names[@]}" <<'PY'
import json, sys, urllib.request, uuid
url, admin, work, agent_url, interval = sys.argv[1:6]
def post(path, token, body):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
for name in sys.argv[6:]:
    install = post("/api/admin/install-tokens", admin, {})["install_token"]
    reg = post("/api/agent/register", install, {"hostname": "cpu-" + name, "os_version": "bench", "cpu_cores": 2,
        "ram_mb": 1, "disk_gb": 1, "agent_version": "1.0.0", "machine_id": uuid.uuid4().hex})
    post(f"/api/admin/servers/{reg['server_id']}/settings", admin, {"next_heartbeat_seconds": int(interval)})
    with open(f"{work}/{name}.env", "w") as f:
        f.write(f"PANEL_URL={agent_url}\nSERVER_ID={reg['server_id']}\nAGENT_TOKEN={reg['agent_token']}\n")
PY
declare -A pid
for name in "${names[@]}"; do
  chmod 600 "$work/$name.env"
  binary=$agent; [[ $name == ref* ]] && binary=$ref
  "$binary" run --env-file "$work/$name.env" --heartbeat-interval "$interval" --state-dir "$work/state-$name" \
    --health-listen "127.0.0.1:$(free_port)" >"$work/$name.log" 2>&1 &
  pid[$name]=$!
  pids+=($!)
done
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sleep 30
for name in "${names[@]}"; do
  kill -0 "${pid[$name]}" 2>/dev/null || { echo "$name exited during the warm-up; its log:" >&2; tail -n 20 "$work/$name.log" >&2; exit 1; }
done
declare -A c0
for name in "${names[@]}"; do c0[$name]=$(cpu "${pid[$name]}"); done
sleep "$window"
ticks=$(getconf CLK_TCK)
printf 'agent CPU per %d s heartbeat%s over %d s, %d running containers (load %s):\n' "$interval" "$([ "$scheme" = https ] && echo ' (https)' || true)" "$window" "$(docker ps -q 2>/dev/null | wc -l)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-7s %14s %10s\n' "" "ms per cycle" "VmRSS kB"
for name in "${names[@]}"; do
  printf '%s %s %s\n' "$name" "$(($(cpu "${pid[$name]}") - c0[$name]))" "$(awk '/^VmRSS:/{print $2}' "/proc/${pid[$name]}/status")"
done | awk -v t="$ticks" -v w="$window" -v i="$interval" '{
  ms = $2 * 1000 / t / (w / i); printf "%-7s %14.2f %10d\n", $1, ms, $3
  if ($1 ~ /^ref/) { r += ms } else { a += ms } }
  END { if (r > 0) printf "ratio agent/ref (means): %.2f\n", a / r }'
