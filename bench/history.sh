#!/usr/bin/env bash
# A fleet's month of history and the reads on it (issue 13, items 5 and 6). Registers SAMPLE servers through the real
# API (one heartbeat with 20 containers each), writes DAYS of minute heartbeats for each straight into the SQLite
# database (jittered times, varying figures, a container change a day), starts the real panel so its retention pass
# rolls everything older than 25 hours up as it would, then copies those servers' rows (servers, rollups, raw
# heartbeats, container states) with SQL until the database holds SERVERS servers. Prints the database's size beside
# the 5 GB goal and the size raw history would take, then times, signed in as a browser is, against their budgets:
# the admin read API's latest state of every server (GET /api/admin/servers, 50 ms), the overview's poll
# (GET /ui/servers.json) and one server's charts (GET /ui/servers/{id}/series, 200 ms) for each range.
# Usage: bench/history.sh [--short] [--data DIR]   (env SERVERS=1000 DAYS=30 SAMPLE=4 RUNS=20; --short: 100 servers,
# 3 days, 2, 5). --data DIR keeps the generated database in DIR; when DIR already holds one, generation is skipped and
# the reads are timed on it (the panel migrates it first), so two builds can be timed on the same history.
set -euo pipefail
cd "$(dirname "$0")/.."
servers=${SERVERS:-1000} days=${DAYS:-30} sample=${SAMPLE:-4} runs=${RUNS:-20}
data=
while [ $# -gt 0 ]; do
  case $1 in
    --short) servers=100 days=3 sample=2 runs=5 ;;
    --data) data=${2:?--data needs a directory}; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
work=$(mktemp -d "${TMPDIR:-/tmp}/upanel-history-bench.XXXXXX")
if [ -n "$data" ]; then mkdir -p "$data"; data=$(cd "$data" && pwd); ln -s "$data" "$work/data"; fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

echo "publishing the panel ..." >&2
dotnet publish src/UPanel.Panel -c Release -o "$work/panel" --nologo -v quiet >/dev/null
start_panel() {
  : >"$work/panel.log"
  "$work/panel/upanel-panel" --urls "$url" --data-dir "$work/data" >"$work/panel.log" 2>&1 &
  pid=$!
  # Up to 10 minutes: a migration that rolls up a month of history runs before the panel listens (015: about 3 minutes
  # for 1,000 servers).
  for _ in $(seq 1200); do grep -q "Now listening on" "$work/panel.log" && return; sleep 0.5; done
  echo "panel did not start: $(tail -n 3 "$work/panel.log")" >&2; exit 1
}
stop_panel() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }

if [ -f "$work/data/panel.db" ]; then
  echo "reusing the history in $data ..." >&2
else
start_panel
admin=$(cat "$work/data/admin-key")
echo "registering $sample servers ..." >&2
python3 - "$url" "$admin" "$sample" <<'PY'
import json, sys, urllib.request, datetime, uuid
url, admin, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
def post(path, token, body):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
roles = ["web", "api", "db", "cache", "worker", "proxy", "queue", "cron"]
images = ["nginx:1.25", "registry.example.com/shop/api:2.14.1", "postgres:16", "redis:7-alpine", "registry.example.com/shop/worker:2.14.1", "traefik:v3.1", "rabbitmq:3.13-management", "alpine:3.20"]
for i in range(count):
    install = post("/api/admin/install-tokens", admin, {})["install_token"]
    reg = post("/api/agent/register", install, {"hostname": f"history-{i:04d}", "os_version": "Debian 12", "cpu_cores": 4,
        "ram_mb": 8192, "disk_gb": 100, "agent_version": "1.0.0", "machine_id": uuid.uuid4().hex})
    containers = [{"id": f"{(c * 2654435761) % 2**32:08x}{c:04x}", "name": f"shop_{roles[c % 8]}_{c // 8 + 1}", "image": images[c % 8],
        "status": "exited" if c == 19 else "running", "health": "healthy" if c % 5 == 0 else "none",
        "uptime_seconds": 0 if c == 19 else 86400 * (c + 1), "cpu_percent": (c * 17) % 2000 / 100, "memory_mb": 40 + c * 37} for c in range(20)]
    post("/api/agent/heartbeat", reg["agent_token"], {"server_id": reg["server_id"], "timestamp": now,
        "metrics": {"cpu_percent": 20 + i, "ram_used_mb": 2048, "ram_total_mb": 8192, "disk_used_gb": 40,
            "disk_total_gb": 100, "load_average": [0.5, 0.4, 0.3], "network_in_bytes": 1000, "network_out_bytes": 500},
        "containers": containers, "agent_version": "1.0.0", "heartbeat_id": uuid.uuid4().hex, "seq": 1})
PY
stop_panel

echo "writing $days days of minute heartbeats for each ..." >&2
python3 - "$work/data/panel.db" "$days" <<'PY'
import sqlite3, sys, time, random, math
db, days = sys.argv[1], int(sys.argv[2])
con = sqlite3.connect(db)
now = int(time.time()) * 1000
minutes = days * 1440
for (server,) in con.execute("SELECT id FROM servers").fetchall():
    rnd = random.Random(server)
    rows, net_in, net_out = [], 10**9, 10**8
    for i in range(minutes):
        at = now - (minutes - i) * 60000 + rnd.randrange(0, 3000)
        net_in += rnd.randrange(0, 6_000_000); net_out += rnd.randrange(0, 900_000)
        rows.append((server, f"history-{i}", i + 1, at, at + 150, "1.0.0", round(rnd.uniform(0, 100), 2), rnd.randrange(1500, 6000), 8192,
                     40 + i * 20 // minutes, 100, round(rnd.uniform(0, 4), 2), round(rnd.uniform(0, 3), 2), round(rnd.uniform(0, 2), 2),
                     net_in, net_out, 20))
    con.executemany("""INSERT INTO heartbeats (server_id, heartbeat_id, seq, sample_at, received_at, agent_version, cpu_percent,
        ram_used_mb, ram_total_mb, disk_used_gb, disk_total_gb, load_1, load_5, load_15, network_in_bytes, network_out_bytes,
        container_count) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""", rows)
    # A deploy a day: the containers' state changed (the blob is the one the panel stored, so realistic in size).
    (blob,) = con.execute("SELECT containers_zlib FROM container_states WHERE server_id = ?", (server,)).fetchone()
    con.executemany("INSERT INTO container_states (server_id, at, digest, containers_zlib) VALUES (?,?,?,?)",
        [(server, now - d * 86400000 - 3600000, d, blob) for d in range(1, days)])
con.commit()
PY

echo "letting the panel roll up what is older than 25 hours ..." >&2
start_panel
for _ in $(seq 1200); do grep -q "Retention: rolled\|Retention: pruned\|pruning failed" "$work/panel.log" && break; sleep 0.5; done
sleep 2; grep -q "Retention: rolled" "$work/panel.log" || { echo "no rollup: $(tail -n 3 "$work/panel.log")" >&2; exit 1; }
stop_panel

echo "copying the $sample servers to $servers ..." >&2
python3 - "$work/data/panel.db" "$servers" <<'PY'
import sqlite3, sys
db, total = sys.argv[1], int(sys.argv[2])
con = sqlite3.connect(db)
sources = [r[0] for r in con.execute("SELECT id FROM servers ORDER BY id")]
con.execute("CREATE TEMP TABLE copies (new_id TEXT PRIMARY KEY, src TEXT NOT NULL, n INTEGER NOT NULL)")
con.executemany("INSERT INTO copies VALUES (?,?,?)", [(f"COPY{n:022d}", sources[n % len(sources)], n) for n in range(total - len(sources))])
def columns(table): return [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
def copy(table, key, overrides={}, order=""):
    cols = [c for c in columns(table) if c != "id" or table == "servers"]
    values = ", ".join(overrides.get(c, "c.new_id" if c == key else f"t.{c}") for c in cols)
    con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {values} FROM copies c JOIN {table} t ON t.{key} = c.src ORDER BY c.new_id{order}")
copy("servers", "id", {"hostname": "'history-copy-' || c.n", "token_hash": "NULL", "token_hash_prev": "NULL"})
copy("heartbeat_rollups", "server_id", order=", t.bucket_at")
copy("heartbeat_rollups_hourly", "server_id", order=", t.bucket_at")
copy("heartbeats", "server_id", order=", t.sample_at")
copy("container_states", "server_id", order=", t.at")
con.commit()
PY
fi
ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; } # the panel's utime + stime
start_panel # it migrates the history first, so the sizes below are of the build being timed
admin=$(cat "$work/data/admin-key")
bytes=$(du -sbL "$work/data" | cut -f1)
echo "database: $(du -shL "$work/data" | cut -f1) on disk; where it goes (SQLite's dbstat, tables with their indexes):"
python3 - "$work/data/panel.db" "$days" "$bytes" <<'PY'
import sqlite3, sys
db, days, on_disk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
con = sqlite3.connect(db)
size = {}
for name, table, pages in con.execute("""SELECT s.name, COALESCE(m.tbl_name, s.name), SUM(s.pgsize) FROM dbstat s
        LEFT JOIN sqlite_schema m ON m.name = s.name GROUP BY s.name"""):
    size[table] = size.get(table, 0) + pages
servers, raw, rollups, rolled, hours, states = con.execute("""SELECT (SELECT COUNT(*) FROM servers), (SELECT COUNT(*) FROM heartbeats),
    (SELECT COUNT(*) FROM heartbeat_rollups), (SELECT SUM(samples) FROM heartbeat_rollups), (SELECT COUNT(*) FROM heartbeat_rollups_hourly),
    (SELECT COUNT(*) FROM container_states)""").fetchone()
per_raw = size["heartbeats"] / raw
per_rolled = size["heartbeat_rollups"] / rolled
per_hour = size["heartbeat_rollups_hourly"] / hours
per_state = size["container_states"] / states
per_server = size["servers"] / servers
other = sum(v for k, v in size.items() if k not in ("heartbeats", "heartbeat_rollups", "heartbeat_rollups_hourly", "container_states", "servers"))
print(f"  {'table':<18} {'rows':>10} {'MB':>9} {'bytes per':>22}")
print(f"  {'heartbeats':<18} {raw:>10} {size['heartbeats'] / 1e6:>9.1f} {per_raw:>12.0f} heartbeat")
print(f"  {'heartbeat_rollups':<18} {rollups:>10} {size['heartbeat_rollups'] / 1e6:>9.1f} {per_rolled:>12.1f} heartbeat ({rolled} in them)")
print(f"  {'  hourly':<18} {hours:>10} {size['heartbeat_rollups_hourly'] / 1e6:>9.1f} {per_hour:>12.1f} hour (beside them)")
print(f"  {'container_states':<18} {states:>10} {size['container_states'] / 1e6:>9.1f} {per_state:>12.0f} row (one a server-day)")
print(f"  {'servers':<18} {servers:>10} {size['servers'] / 1e6:>9.1f} {per_server:>12.0f} server")
print(f"  {'the rest':<18} {'':>10} {other / 1e6:>9.1f}   (free pages, schema, other tables)")
# The fleet of the goal from these figures: 25 hours raw, the rest of 30 days in rollups of both tiers, a container change a day.
raw_hb, all_hb = 25 * 60, 30 * 1440
fleet = 1000 * (raw_hb * per_raw + (all_hb - raw_hb) * (per_rolled + per_hour / 60) + 30 * per_state + per_server) + other
flat = on_disk / (raw + rolled)
print(f"heartbeats held: {raw + rolled} ({servers} servers x {days} days), {flat:.0f} bytes each on disk overall")
print(f"1,000 servers x 30 days at 60 s: {fleet / 1e9:.2f} GB, {fleet / (1000 * all_hb):.0f} bytes per heartbeat (goal: under 5 GB;"
      f" all raw at {per_raw:.0f} bytes: {1000 * all_hb * per_raw / 1e9:.1f} GB)")
PY
sql() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$work/data/panel.db" "$1"; }
n_servers=$(sql "SELECT COUNT(*) FROM servers")

# Its start-up retention pass (rolling up what aged past 25 hours since the history was written) first: until the
# panel spends under 20 ms of CPU in 2 s.
for _ in $(seq 60); do a=$(cpu_ticks); sleep 2; [ $(( $(cpu_ticks) - a )) -le $(( ticks / 50 )) ] && break; done
jar=$work/cookies
form=$(curl -fsS -c "$jar" "$url/signin")
value=$(sed -n 's/.*name="__RequestVerificationToken" value="\([^"]*\)".*/\1/p' <<<"$form")
curl -fsS -o /dev/null -b "$jar" -c "$jar" --data-urlencode "__RequestVerificationToken=$value" \
  --data-urlencode "key=$admin" --data-urlencode "return=/" "$url/signin"
server=$(sql "SELECT id FROM servers WHERE id LIKE 'COPY%' ORDER BY id DESC LIMIT 1")

measure() { # label budget_ms curl-args...: median and p90 of RUNS requests after one warm-up, and the panel's CPU per request
  local label=$1 budget=$2 times=() bytes before cpu
  shift 2
  bytes=$(curl -fsS "$@" | wc -c)
  before=$(cpu_ticks)
  for _ in $(seq "$runs"); do times+=("$(curl -fsS -o /dev/null -w '%{time_total}' "$@")"); done
  cpu=$(( $(cpu_ticks) - before ))
  printf '%s\n' "${times[@]}" | sort -n | awk -v l="$label" -v b="$budget" -v n="$bytes" -v c="$cpu" -v hz="$ticks" -v r="$runs" \
    '{t[NR]=$1} END {printf "%-38s %9.1f %9.1f %9s %10.1f %10d\n", l, t[int((NR+1)/2)]*1000, t[int(NR*0.9+0.5)]*1000, b, c * 1000 / hz / r, n}'
}
# Wall times stretch with the machine's load; the panel's CPU per request (from /proc, 10 ms ticks over RUNS requests) holds.
echo "reads, $runs requests each (SQLite, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)):"
printf '%-38s %9s %9s %9s %10s %10s\n' request "median ms" "p90 ms" "budget ms" "CPU ms/req" bytes
measure "GET /api/admin/servers ($n_servers)" 50 -H "Authorization: Bearer $admin" "$url/api/admin/servers"
measure "GET /ui/servers.json (overview)" - -b "$jar" "$url/ui/servers.json"
for range in 1h 24h 7d 30d; do
  measure "GET /ui/servers/{id}/series?range=$range" 200 -b "$jar" "$url/ui/servers/$server/series?range=$range"
done
