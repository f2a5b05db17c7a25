#!/usr/bin/env bash
# The agent beside what a user would run instead, in one window on this machine: the agent reporting over plain http
# and over https (nginx terminating TLS in front of the real panel, a private CA the agent trusts via SSL_CERT_FILE),
# Debian's prometheus-node-exporter (six collectors, scraped every 5 s), collectd (cpu, memory, load, interface, df at
# 5 s, sent with its network plugin) and a do-nothing process (the measurement's floor), first with no containers, then
# with 20 real containers running. Each agent reports every 5 s with the Docker socket and /health on.
#
# Per process, as `top` counts it: CPU per 5 s cycle from utime + stime in /proc/PID/stat over WINDOW seconds after a
# WARMUP (threads that exited included); RSS, PSS and anonymous memory from /proc/PID/smaps_rollup at the end; the
# RSS slope over the window (least squares over a sample every 5 s, KiB per hour), and the slopes of its anonymous
# and file-backed parts (RssAnon, RssFile in /proc/PID/status: memory kept, against code and data paged in from the
# binary and its libraries, which is not a leak); and CPU and RSS as ratios to node_exporter's and collectd's. dockerd's CPU over the same window is printed per phase.
#
# Usage: bench/side-by-side.sh [--short]       (--short: WARMUP=10 WINDOW=30, for CI)
# Env:   WINDOW (300 s per phase), WARMUP (30 s), PHASES (the container counts, one phase each: "0 20"), AGENT (a built
#        agent binary; default: publish the static binary the image and install.sh ship, as scripts/build-image.sh
#        does; it needs clang, cmake and libssl-dev, which scripts/services.sh installs), BASELINE (another agent binary, e.g. the build before a change: its http and
#        https agents run in the same window as rows base/http and base/https), KEEP=1 keeps the work directory. A long
#        run for the RSS slope: WINDOW=3600 PHASES=20. AGENT_TUNABLES (default: the GLIBC_TUNABLES the systemd unit and
#        the image ship, read from deploy/upanel-agent.service) and BASELINE_TUNABLES (default: AGENT_TUNABLES) are the
#        agents' GLIBC_TUNABLES; set one empty to run that build with glibc's defaults.
# Peers missing from the machine are installed with apt when running as root, and reported as skipped otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
window=${WINDOW:-300} warmup=${WARMUP:-30}
read -r -a phases <<<"${PHASES:-0 20}"
shipped_tunables=$(sed -n 's/^Environment=GLIBC_TUNABLES=//p' deploy/upanel-agent.service)
agent_tunables=${AGENT_TUNABLES-$shipped_tunables}
baseline_tunables=${BASELINE_TUNABLES-$agent_tunables}
if [ "${1:-}" = "--short" ]; then window=${WINDOW:-30} warmup=${WARMUP:-10}; fi
interval=5
work=$(mktemp -d "${TMPDIR:-/tmp}/upanel-side-by-side.XXXXXX")
pids=() container_ids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${#container_ids[@]}" -gt 0 ]; then docker rm -f "${container_ids[@]}" >/dev/null 2>&1 || true; fi
  if [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "work directory kept: $work" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { echo "side-by-side: $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Peers: from apt when missing (root), else skipped.
peer_bin() { case $1 in nginx) echo /usr/sbin/nginx ;; node_exporter) echo /usr/bin/prometheus-node-exporter ;; collectd) echo /usr/sbin/collectd ;; esac; }
peer_pkg() { case $1 in nginx) echo nginx-light ;; node_exporter) echo prometheus-node-exporter ;; collectd) echo collectd-core ;; esac; }
missing=()
for peer in nginx node_exporter collectd; do [ -x "$(peer_bin $peer)" ] || missing+=("$(peer_pkg $peer)"); done
if [ "${#missing[@]}" -gt 0 ] && [ "$(id -u)" = 0 ]; then
  say "installing ${missing[*]} (apt)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/dev/null 2>&1 ||
    say "apt could not install ${missing[*]}"
fi
# Debian's packages start their services on install; the bench runs its own instances.
for service in prometheus-node-exporter collectd nginx; do systemctl stop "$service" >/dev/null 2>&1 || true; done
have() { [ -x "$(peer_bin "$1")" ]; }
docker_ok=0
docker info >/dev/null 2>&1 && docker image inspect upanel-test/busybox >/dev/null 2>&1 && docker_ok=1

say "publishing the panel$([ -n "${AGENT:-}" ] || echo " and the agent") ..."
dotnet publish src/UPanel.Panel -c Release -o "$work/panel" --nologo -v quiet >"$work/publish-panel.log" 2>&1 ||
  { tail -n 20 "$work/publish-panel.log" >&2; exit 1; }
agent=${AGENT:-}
if [ -z "$agent" ]; then
  dotnet publish src/UPanel.Agent -c Release -p:StaticAgent=true -o "$work/agent" --nologo -v quiet >"$work/publish-agent.log" 2>&1 ||
    { tail -n 20 "$work/publish-agent.log" >&2; say "publishing the static agent failed (clang, cmake, libssl-dev: scripts/services.sh installs them), or set AGENT"; exit 1; }
  agent=$work/agent/upanel-agent
fi

panel_port=$(free_port)
panel=http://127.0.0.1:$panel_port
"$work/panel/upanel-panel" --urls "$panel" --data-dir "$work/panel-data" >"$work/panel.log" 2>&1 &
pids+=($!)
for _ in $(seq 240); do curl -fsS -o /dev/null "$panel/healthz" 2>/dev/null && break; sleep 0.25; done
curl -fsS -o /dev/null "$panel/healthz" || { say "the panel did not start; see $work/panel.log"; KEEP=1; exit 1; }

# https: nginx with a certificate for 127.0.0.1 signed by a private CA; only the CA goes into SSL_CERT_FILE.
https=""
if have nginx; then
  . bench/tls-nginx.sh
  start_tls_nginx "$panel" || { say "nginx did not start; see $work/nginx"; KEEP=1; exit 1; }
  https=$tls_url
fi

register() { # name -> writes $work/NAME.env
  local install
  install=$("$work/panel/upanel-panel" install-token create --data-dir "$work/panel-data" 2>/dev/null)
  INSTALL_TOKEN=$install "$agent" register --panel-url "$panel" --env-file "$work/$1.env" >/dev/null
  local id; id=$(sed -n 's/^SERVER_ID=//p' "$work/$1.env")
  curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $(cat "$work/panel-data/admin-key")" \
    -H 'Content-Type: application/json' -d "{\"next_heartbeat_seconds\":$interval}" "$panel/api/admin/servers/$id/settings"
}

names=() procs=() helpers=() skipped=()
start() { # name command... (stdout/stderr to the work directory)
  "${@:2}" >"$work/${1//\//-}.log" 2>&1 &
  pids+=($!); procs+=($!); names+=("$1")
}
start_all() { # phase
  names=() procs=() helpers=()
  local build binary tunables
  for build in agent ${BASELINE:+base}; do
    binary=$agent tunables=$agent_tunables
    [ "$build" = base ] && binary=$BASELINE tunables=$baseline_tunables
    for scheme in http https; do
      local url=$panel
      if [ "$scheme" = https ]; then
        [ -n "$https" ] || { skipped+=("$build/https (nginx missing)"); continue; }
        url=$https
      fi
      [ -f "$work/$build-$scheme.env" ] || register "$build-$scheme"
      start "$build/$scheme" env SSL_CERT_FILE="$work/ca.pem" GLIBC_TUNABLES="$tunables" "$binary" run --env-file "$work/$build-$scheme.env" \
        --panel-url "$url" --heartbeat-interval "$interval" --health-listen "127.0.0.1:$(free_port)" \
        --state-dir "$work/state-$build-$scheme-$1"
    done
  done
  if have node_exporter; then
    local port; port=$(free_port)
    start node_exporter /usr/bin/prometheus-node-exporter --web.listen-address="127.0.0.1:$port" \
      --collector.disable-defaults --collector.cpu --collector.meminfo --collector.loadavg --collector.netdev \
      --collector.filesystem --collector.diskstats
    # The scraper (a Prometheus server's part) is not counted: only what runs on the monitored host.
    (while sleep "$interval"; do curl -fsS -o /dev/null "http://127.0.0.1:$port/metrics" || true; done) &
    pids+=($!); helpers+=($!)
  else skipped+=("node_exporter (not installed)"); fi
  if have collectd; then
    cat >"$work/collectd.conf" <<EOF
Interval $interval
BaseDir "$work/collectd"
PIDFile "$work/collectd.pid"
PluginDir "/usr/lib/collectd"
TypesDB "/usr/share/collectd/types.db"
LoadPlugin cpu
LoadPlugin memory
LoadPlugin load
LoadPlugin interface
LoadPlugin df
LoadPlugin network
<Plugin network>
  Server "127.0.0.1" "$(free_port)"
</Plugin>
EOF
    mkdir -p "$work/collectd"
    start collectd /usr/sbin/collectd -f -C "$work/collectd.conf"
  else skipped+=("collectd (not installed)"); fi
  start idle sleep 86400
}

alive() {
  for i in "${!procs[@]}"; do
    kill -0 "${procs[$i]}" 2>/dev/null || { say "${names[$i]} exited; see $work/${names[$i]/\//-}.log"; KEEP=1; exit 1; }
  done
}
# Heartbeats the panel stored from an agent between two epoch seconds, and the fewest containers any of them listed:
# "STORED MIN" (a broken agent that sent nothing would otherwise score as a cheap one).
stored() { # name t0 t1
  local id; id=$(sed -n 's/^SERVER_ID=//p' "$work/${1/\//-}.env")
  curl -fsS -H "Authorization: Bearer $(cat "$work/panel-data/admin-key")" "$panel/api/admin/servers/$id/heartbeats?limit=1000" |
    python3 -c '
import json, sys
from datetime import datetime
t0, t1 = int(sys.argv[1]), int(sys.argv[2])
beats = [b for b in json.load(sys.stdin)["heartbeats"]
         if t0 <= datetime.fromisoformat(b["received_at"].replace("Z", "+00:00")).timestamp() <= t1]
print(len(beats), min((b.get("container_count") or 0 for b in beats), default=0))' "$2" "$3"
}
ticks=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rollup() { awk '/^Rss:/{r=$2} /^Pss:/{p=$2} /^Anonymous:/{a=$2} END{print r+0, p+0, a+0}' "/proc/$1/smaps_rollup"; }
dockerd_pid=$(pgrep -xo dockerd || true)

echo "side by side: heartbeat/scrape every $interval s, warm-up $warmup s, window $window s per phase, $(nproc) cores, $(date -u +%FT%TZ)"
echo "agent: ${AGENT:-the static binary, published now}${BASELINE:+; base: $BASELINE}"
echo "agents' GLIBC_TUNABLES: ${agent_tunables:-(none)}${BASELINE:+, base: ${baseline_tunables:-(none)}}"
for phase in "${phases[@]}"; do
  if [ "$phase" -gt 0 ] && [ "$docker_ok" = 0 ]; then
    skipped+=("the $phase-container phase (no Docker or no upanel-test/busybox image)")
    continue
  fi
  if [ "$phase" -gt "${#container_ids[@]}" ]; then
    say "starting $((phase - ${#container_ids[@]})) containers ..."
    for _ in $(seq "$((phase - ${#container_ids[@]}))"); do
      container_ids+=("$(docker run -d --network none --label upanel-side-by-side=1 upanel-test/busybox sleep 86400)")
    done
  fi
  start_all "$phase"
  say "phase with $phase containers: warm-up $warmup s, then $window s ..."
  sleep "$warmup"
  alive
  declare -A cpu0=() ; for i in "${!procs[@]}"; do cpu0[$i]=$(cpu_ticks "${procs[$i]}"); done
  t0=$(date +%s)
  d0=0; [ -n "$dockerd_pid" ] && d0=$(cpu_ticks "$dockerd_pid")
  : >"$work/rss-$phase.csv"
  for ((t = 0; t < window; t += interval)); do
    alive
    for i in "${!procs[@]}"; do
      echo "$t ${names[$i]} $(awk '/^VmRSS:/{r=$2} /^RssAnon:/{a=$2} /^RssFile:/{f=$2} END{print r, a, f}' "/proc/${procs[$i]}/status")" >>"$work/rss-$phase.csv"
    done
    sleep "$interval"
  done
  : >"$work/result-$phase.txt"
  for i in "${!procs[@]}"; do
    echo "${names[$i]} $(( $(cpu_ticks "${procs[$i]}") - cpu0[$i] )) $(rollup "${procs[$i]}")" >>"$work/result-$phase.txt"
  done
  t1=$(date +%s)
  # Each agent must have delivered its heartbeats over the window (all but one at each end), each listing the phase's
  # containers at least; otherwise its figures are not an agent's at work.
  short=()
  : >"$work/stored-$phase.txt"
  for name in "${names[@]}"; do
    case $name in */http | */https) ;; *) continue ;; esac
    read -r beats fewest <<<"$(stored "$name" "$t0" "$t1" || true)"
    beats=${beats:-0} fewest=${fewest:-0}
    expected=$(( (t1 - t0) / interval ))
    echo "$name $beats $expected" >>"$work/stored-$phase.txt"
    if [ "$beats" -lt $((expected - 2)) ] || [ "$fewest" -lt "$phase" ]; then
      short+=("$name: $beats heartbeats stored of $expected, fewest containers listed $fewest of $phase")
    fi
  done
  d1=0; [ -n "$dockerd_pid" ] && d1=$(cpu_ticks "$dockerd_pid")
  echo
  echo "== $phase containers (load $(cut -d' ' -f1-3 /proc/loadavg); dockerd: $(awk -v d=$((d1 - d0)) -v t="$ticks" -v c=$((window / interval)) 'BEGIN{printf "%.2f ms per cycle", d * 1000 / t / c}'))"
  awk -v t="$ticks" -v cycles=$((window / interval)) '
    FILENAME ~ /stored-/ { beats[$1] = $2 "/" $3; next }
    FNR == NR {
      n = $2; x = $1; sx[n] += x; sxx[n] += x * x; k[n]++
      for (c = 1; c <= 3; c++) { sy[n, c] += $(c + 2); sxy[n, c] += x * $(c + 2) }
      next
    }
    { name[++m] = $1; cpu[$1] = $2 * 1000 / t / cycles; rss[$1] = $3; pss[$1] = $4; anon[$1] = $5 }
    END {
      printf "%-14s %9s %8s %8s %8s %10s %8s %8s %8s %8s %8s %8s %8s\n", "process", "CPU ms", "RSS MiB", "PSS MiB", "anon MiB", "KiB/hour", "anon/h", "file/h", "CPU/ne", "CPU/cd", "RSS/ne", "RSS/cd", "stored"
      for (i = 1; i <= m; i++) {
        n = name[i]
        printf "%-14s %9.2f %8.1f %8.1f %8.1f %10.0f %8.0f %8.0f", n, cpu[n], rss[n] / 1024, pss[n] / 1024, anon[n] / 1024, slope(n, 1), slope(n, 2), slope(n, 3)
        printf " %8s %8s %8s %8s %8s\n", ratio(cpu[n], cpu["node_exporter"]), ratio(cpu[n], cpu["collectd"]), ratio(rss[n], rss["node_exporter"]), ratio(rss[n], rss["collectd"]), (n in beats) ? beats[n] : "-"
      }
    }
    function slope(n, c,   d) { d = k[n] * sxx[n] - sx[n] * sx[n]; return d > 0 ? (k[n] * sxy[n, c] - sx[n] * sy[n, c]) / d * 3600 : 0 }
    function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
  ' "$work/rss-$phase.csv" "$work/result-$phase.txt" "$work/stored-$phase.txt"
  if [ "${#short[@]}" -gt 0 ]; then
    for s in "${short[@]}"; do say "$s"; done
    say "an agent did not deliver its heartbeats; see its log in $work"; KEEP=1; exit 1
  fi
  for pid in "${procs[@]}" "${helpers[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${procs[@]}" "${helpers[@]}"; do wait "$pid" 2>/dev/null || true; done
done
echo
echo "(CPU ms: utime + stime per $interval s cycle over the window, resolution $(awk -v t="$ticks" -v c=$((window / interval)) 'BEGIN{printf "%.2f", 1000 / t / c}') ms; KiB/hour: VmRSS slope, anon/h and file/h: its anonymous (RssAnon) and file-backed (RssFile) parts; ne = node_exporter, cd = collectd, same window; stored: the agent's heartbeats the panel stored in the window, of those due)"
for s in "${skipped[@]}"; do echo "skipped: $s"; done
