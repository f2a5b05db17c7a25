#!/usr/bin/env bash
# Measures the agent's footprint against its budget (binary <= 8 MiB, steady RSS of `run` <= 10 MiB) and prints it
# beside a reference measured in the same invocation: bench/PostLoop, a bare Native AOT HttpClient that POSTs a
# heartbeat every 5 s (what a minimal .NET HTTP agent pays for the runtime, HttpClient and TLS; the agent itself has
# its own small HTTP client, src/UPanel.Agent/Http, and no System.Net.Http).
#
# Publishes the agent, the reference and the panel; starts the reference panel on 127.0.0.1 over http, and https
# through bench/tls-proxy.py with a self-signed certificate the clients trust through SSL_CERT_FILE (the panel itself
# serves plain HTTP); registers once; then runs side by side, each with
# HEARTBEAT_INTERVAL=5 (the panel is told to answer next_heartbeat_seconds=5 too):
#   agent/http, agent/https (`upanel-agent run`, health on and probed every sample), ref/http, ref/https
#   and, with REF_AGENT=PATH, that agent binary over http too (e.g. a previous commit's build).
# Samples VmRSS, VmHWM, RssAnon, RssFile from /proc/PID/status every SAMPLE seconds; prints the last sample, the
# highest VmRSS after the first minute, and agent/reference ratios.
#
# Usage: bench/footprint.sh                     (10 minutes)
#        DURATION=60 bench/footprint.sh         (seconds)
# Env:   DURATION (600), SAMPLE (30, or DURATION/6 when shorter), CONTAINERS (3 `--network none` busybox sleepers while
#        it runs, removed after; 0 for none; needs Docker and image upanel-test/busybox), REF_AGENT (extra agent
#        binary), KEEP=1 keeps the work directory (logs, samples.csv).
#
# Reading the figures (measured 2026-11-27, kernel 6.18, ext4; bench/footprint-size.sh shows the binary's contents):
# - RssFile is about the whole binary (31 faults map ~3 MiB of its 3.3 MiB of code; an ILC --order/--method-layout
#   explicit build with the executed methods first did not lower it), plus libc/libm/ld (~2 MiB). Binary bytes are
#   the lever, not code layout.
# - Any GC stack walk (and any thrown exception) faults in .eh_frame/.dotnet_eh_table (~1.1 MiB), so every run
#   pays it after its first collection.
# - RssAnon: ~1.4 MiB of rehydrated runtime data (.hydrated) + the GC heap (kept small by the gen0 budget in
#   UPanel.Agent.csproj and Reporting/MemoryTrim) + thread stacks.
# - https adds libssl/libcrypto and OpenSSL's heap: about 8-9 MiB for the bare reference alone.
# - The agent's own HTTP client instead of HttpClient (2026-11-27, DURATION=120, previous build as REF_AGENT):
#   agent/http 11.2 -> 10.0 MiB with the serializer, 9.9 -> 8.7 MiB with hand-written JSON; binary -1.0 MB either way.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${DURATION:-600}
sample=${SAMPLE:-$(( duration < 180 ? (duration / 6 > 5 ? duration / 6 : 5) : 30 ))}
containers=${CONTAINERS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/upanel-footprint.XXXXXX")
pids=()
container_ids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${#container_ids[@]}" -gt 0 ]; then docker rm -f "${container_ids[@]}" >/dev/null 2>&1 || true; fi
  if [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "work directory kept: $work" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
status_fields() { # pid -> "VmRSS VmHWM RssAnon RssFile" in kB
  awk '/^VmRSS:/{r=$2} /^VmHWM:/{h=$2} /^RssAnon:/{a=$2} /^RssFile:/{f=$2} END{print r+0, h+0, a+0, f+0}' "/proc/$1/status"
}

echo "publishing agent, reference (bench/PostLoop) and panel ..." >&2
dotnet publish src/UPanel.Agent -c Release -o "$work/agent" --nologo -v quiet >"$work/publish-agent.log" 2>&1 ||
  { tail -n 20 "$work/publish-agent.log" >&2; exit 1; }
dotnet publish bench/PostLoop -c Release -o "$work/ref" --nologo -v quiet >"$work/publish-ref.log" 2>&1 ||
  { tail -n 20 "$work/publish-ref.log" >&2; exit 1; }
dotnet publish src/UPanel.Panel -c Release -o "$work/panel" --nologo -v quiet >"$work/publish-panel.log" 2>&1 ||
  { tail -n 20 "$work/publish-panel.log" >&2; exit 1; }
agent=$work/agent/upanel-agent
ref=$work/ref/post-loop

# A self-signed certificate for 127.0.0.1; the clients trust it through SSL_CERT_FILE (OpenSSL's default store).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1

http_port=$(free_port)
https_port=$(free_port)
http_url=http://127.0.0.1:$http_port
https_url=https://127.0.0.1:$https_port
"$work/panel/upanel-panel" --urls "$http_url" --data-dir "$work/panel-data" >"$work/panel.log" 2>&1 &
pids+=($!)
python3 bench/tls-proxy.py "$https_port" "$http_port" "$work/cert.pem" "$work/key.pem" >"$work/tls-proxy.log" 2>&1 &
pids+=($!)
for _ in $(seq 120); do curl -fsS -o /dev/null "$http_url/openapi/v1.json" 2>/dev/null && break; sleep 0.5; done
curl -fsS -o /dev/null "$http_url/openapi/v1.json" || { echo "the panel did not start; see $work/panel.log" >&2; KEEP=1; exit 1; }

INSTALL_TOKEN=$("$work/panel/upanel-panel" install-token create --data-dir "$work/panel-data" 2>/dev/null) \
  "$agent" register --panel-url "$http_url" --env-file "$work/agent.env" >/dev/null
server_id=$(sed -n 's/^SERVER_ID=//p' "$work/agent.env")
agent_token=$(sed -n 's/^AGENT_TOKEN=//p' "$work/agent.env")
curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $(cat "$work/panel-data/admin-key")" -H 'Content-Type: application/json' \
  -d '{"next_heartbeat_seconds":5}' "$http_url/api/admin/servers/$server_id/settings"

if [ "$containers" -gt 0 ] && command -v docker >/dev/null && docker image inspect upanel-test/busybox >/dev/null 2>&1; then
  for i in $(seq "$containers"); do
    container_ids+=("$(docker run -d --network none --label upanel-footprint=1 upanel-test/busybox sleep 86400)")
  done
else
  containers=0
fi

names=()
health_ports=()
start_agent() { # name binary url
  local port; port=$(free_port)
  SSL_CERT_FILE=$work/cert.pem HEARTBEAT_INTERVAL=5 "$2" run --env-file "$work/agent.env" --panel-url "$3" \
    --health-listen "127.0.0.1:$port" --state-dir "$work/state-${1//\//-}" >"$work/${1//\//-}.log" 2>&1 &
  pids+=($!); names+=("$1"); health_ports+=("$port")
}
start_ref() { # name url
  SSL_CERT_FILE=$work/cert.pem AGENT_TOKEN=$agent_token "$ref" "$2/api/agent/heartbeat" "$server_id" >"$work/${1//\//-}.log" 2>&1 &
  pids+=($!); names+=("$1"); health_ports+=("")
}
start_agent agent/http "$agent" "$http_url"
start_agent agent/https "$agent" "$https_url"
start_ref ref/http "$http_url"
start_ref ref/https "$https_url"
if [ -n "${REF_AGENT:-}" ]; then start_agent ref-agent/http "$REF_AGENT" "$http_url"; fi
procs=("${pids[@]:2}")  # without the panel and the TLS proxy

echo "running ${#procs[@]} processes for $duration s (sample every $sample s, $containers containers) ..." >&2
echo "t,name,vmrss_kb,vmhwm_kb,rssanon_kb,rssfile_kb" >"$work/samples.csv"
for ((t = sample; t <= duration; t += sample)); do
  sleep "$sample"
  for i in "${!procs[@]}"; do
    kill -0 "${procs[$i]}" 2>/dev/null || { echo "${names[$i]} exited; see $work/${names[$i]/\//-}.log" >&2; KEEP=1; exit 1; }
    if [ -n "${health_ports[$i]}" ]; then curl -fsS -o /dev/null "http://127.0.0.1:${health_ports[$i]}/health" || echo "${names[$i]}: /health failed" >&2; fi
    read -r rss hwm anon file < <(status_fields "${procs[$i]}")
    echo "$t,${names[$i]},$rss,$hwm,$anon,$file" >>"$work/samples.csv"
  done
  echo "  t=${t}s $(awk -F, -v t="$t" '$1==t {printf "%s %d  ", $2, $3}' "$work/samples.csv")" >&2
done

heartbeats=$(curl -fsS -H "Authorization: Bearer $(cat "$work/panel-data/admin-key")" \
  "$http_url/api/admin/servers/$server_id/heartbeats?limit=1000" | grep -o '"heartbeat_id"' | wc -l || true)
agent_size=$(stat -c %s "$agent")
ref_size=$(stat -c %s "$ref")

echo
echo "footprint after $duration s: HEARTBEAT_INTERVAL=5, health probed every $sample s, $containers containers, $(date -u +%FT%TZ)"
echo "panel stored $heartbeats heartbeats (all clients, at most 1000 counted)"
printf '%-15s %10s %9s %9s %9s %9s %12s %10s\n' process binary VmRSS VmHWM RssAnon RssFile "max VmRSS*" "RSS/ref"
for i in "${!procs[@]}"; do
  name=${names[$i]}
  case $name in agent/*) bin=$agent_size ;; ref/*) bin=$ref_size ;; *) bin=$(stat -c %s "$REF_AGENT") ;; esac
  scheme=${name#*/}
  awk -F, -v n="$name" -v r="ref/$scheme" -v bin="$bin" -v last="$((duration / sample * sample))" '
    $1 == last && $2 == n { rss = $3; hwm = $4; anon = $5; file = $6 }
    $1 == last && $2 == r { refrss = $3 }
    $1 >= 60 && $2 == n && $3 > max { max = $3 }
    END { printf "%-15s %10d %6d kB %6d kB %6d kB %6d kB %9d kB %9.2fx\n", n, bin, rss, hwm, anon, file, max, rss / refrss }
  ' "$work/samples.csv"
done
echo "(* highest sample after the first minute; binary in bytes; ratio = VmRSS / the reference's on the same scheme)"
awk -F, -v last="$((duration / sample * sample))" -v size="$agent_size" '
  $1 == last && $2 == "agent/http" { rss = $3 }
  END {
    ok = size <= 8 * 1024 * 1024 && rss <= 10 * 1024
    printf "budget: binary %.2f MiB (<= 8), agent/http VmRSS %.2f MiB (<= 10): %s\n", size / 1048576, rss / 1024, ok ? "within" : "OVER"
    exit ok ? 0 : 3
  }' "$work/samples.csv"
