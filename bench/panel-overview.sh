#!/usr/bin/env bash
# The fleet overview at fleet size: registers SERVERS servers (default 500) through the real API, each sending one
# heartbeat with 20 containers, and times the overview's poll (GET /ui/servers.json, what the page fetches every 10 s)
# and the page itself (GET /), signed in as a browser is. The reference, in the same run and the same panel: the same
# requests when the first tenth of the fleet is registered, so the last column is the cost of growing the fleet 10x.
# Usage: bench/panel-overview.sh   (env SERVERS, default 500; RUNS, default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
servers=${SERVERS:-500}
runs=${RUNS:-20}
work=$(mktemp -d "${TMPDIR:-/tmp}/upanel-overview-bench.XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

echo "publishing the panel ..." >&2
dotnet publish src/UPanel.Panel -c Release -o "$work/panel" --nologo -v quiet >/dev/null
"$work/panel/upanel-panel" --urls "$url" --data-dir "$work/data" >"$work/panel.log" 2>&1 &
pid=$!
for _ in $(seq 120); do grep -q "Now listening on" "$work/panel.log" && break; sleep 0.5; done
grep -q "Now listening on" "$work/panel.log" || { echo "panel did not start: $(tail -n 3 "$work/panel.log")" >&2; exit 1; }

register() { # first count: registers servers first..count-1, one heartbeat each
  python3 - "$url" "$(cat "$work/data/admin-key")" "$1" "$2" <<'PY'
import json, sys, urllib.request, datetime, uuid
url, admin, first, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def post(path, token, body):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
for i in range(first, count):
    install = post("/api/admin/install-tokens", admin, {})["install_token"]
    reg = post("/api/agent/register", install, {"hostname": f"bench-{i:04d}", "os_version": "Debian 12", "cpu_cores": 4,
        "ram_mb": 8192, "disk_gb": 100, "agent_version": "1.0.0", "machine_id": uuid.uuid4().hex})
    containers = [{"id": f"{i:06x}{c:06x}", "name": f"app-{c}", "image": "app:latest",
        "status": "exited" if c == 7 and i % 5 == 0 else "running", "health": "unhealthy" if c == 3 and i % 7 == 0 else "healthy",
        "uptime_seconds": 3600, "cpu_percent": 1.5, "memory_mb": 128} for c in range(20)]
    post("/api/agent/heartbeat", reg["agent_token"], {"server_id": reg["server_id"], "timestamp": now,
        "metrics": {"cpu_percent": 20 + i % 70, "ram_used_mb": 2048, "ram_total_mb": 8192, "disk_used_gb": 40,
            "disk_total_gb": 100, "load_average": [0.5, 0.4, 0.3], "network_in_bytes": 1000 * i, "network_out_bytes": 500 * i},
        "containers": containers, "agent_version": "1.0.0", "heartbeat_id": uuid.uuid4().hex, "seq": 1})
PY
}

jar=$work/cookies
form=$(curl -fsS -c "$jar" "$url/signin")
value=$(sed -n 's/.*name="__RequestVerificationToken" value="\([^"]*\)".*/\1/p' <<<"$form")
curl -fsS -o /dev/null -b "$jar" -c "$jar" --data-urlencode "__RequestVerificationToken=$value" \
  --data-urlencode "key=$(cat "$work/data/admin-key")" --data-urlencode "return=/" "$url/signin"

median_ms() { # path: median of RUNS timed requests after one warm-up, in ms
  local times=()
  curl -fsS -o /dev/null -b "$jar" "$url$1"
  for _ in $(seq "$runs"); do times+=("$(curl -fsS -o /dev/null -b "$jar" -w '%{time_total}' "$url$1")"); done
  printf '%s\n' "${times[@]}" | sort -n | awk '{t[NR]=$1} END {printf "%.1f", t[int((NR+1)/2)]*1000}'
}

small=$((servers / 10))
echo "registering $small servers (20 containers each) ..." >&2
register 0 "$small"
json_small=$(median_ms /ui/servers.json) page_small=$(median_ms /)
echo "registering $((servers - small)) more ..." >&2
register "$small" "$servers"
rows=$(curl -fsS -b "$jar" "$url/ui/servers.json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["servers"]) if isinstance(d, dict) else len(d))')
bytes=$(curl -fsS -b "$jar" "$url/ui/servers.json" | wc -c)
json_big=$(median_ms /ui/servers.json) page_big=$(median_ms /)

echo "fleet overview, median of $runs requests (SQLite, $(nproc) cores); the overview lists $rows servers, $bytes B of JSON:"
printf '%-22s %12s %12s %8s\n' request "$small servers" "$servers servers" ratio
awk -v a="$json_small" -v b="$json_big" 'BEGIN {printf "%-22s %9.1f ms %9.1f ms %7.1fx\n", "GET /ui/servers.json", a, b, b / a}'
awk -v a="$page_small" -v b="$page_big" 'BEGIN {printf "%-22s %9.1f ms %9.1f ms %7.1fx\n", "GET / (the page)", a, b, b / a}'
