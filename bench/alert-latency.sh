#!/usr/bin/env bash
# Issue 14's acceptance transcript: the real agent (Native AOT) reporting this machine's Docker engine to the real
# panel (SQLite, its own process), which sends its alerts to a signed webhook receiver on 127.0.0.1. Per scenario it
# prints when the event happened (the engine's FinishedAt or event time, or when the agent was stopped or started) and
# when the receiver got the notification, and the time between them:
#   container exit   `sh -c 'sleep 5; exit 1'`: container_exited with exit code 1 (event: FinishedAt)
#   docker stop      `docker stop -t 1` of a `sleep` (137 without OOM): nothing may arrive
#   OOM kill         --memory 8m, `tail /dev/zero` in a shell: container_oom_killed (event: the engine's `oom`)
#   restart loop     --restart always, `exit 1`: one container_restart_loop (event: the engine's third restart),
#                    and still one after LOOP_WATCH s of restarts
#   offline          agent stopped (SIGTERM): server_offline after 3 intervals (event: the stop), then resolved
#                    after the agent is started again (event: the start)
#   brief restart    another agent stopped and started again within its 3 intervals: nothing may arrive
# Every notification's X-UPanel-Signature is checked against the channel's secret.
# Usage: bench/alert-latency.sh   env: INTERVAL (5, the servers' heartbeat interval), LOOP_WATCH (60),
#   UPANEL_AGENT_BINARY (published here when unset). Not in CI: tests/UPanel.Panel.Tests/Alerts/AgentAlertTests.cs
#   asserts the same scenarios' values there; this measures their times.
set -euo pipefail
cd "$(dirname "$0")/.."
interval=${INTERVAL:-5}
loop_watch=${LOOP_WATCH:-60}
work=$(mktemp -d "${TMPDIR:-/tmp}/upanel-alert-latency.XXXXXX")
prefix="upanel-bench-alerts-$$"
panel_pid=
receiver_pid=
cleanup() {
  [ -n "$panel_pid" ] && kill "$panel_pid" 2>/dev/null
  [ -n "$receiver_pid" ] && kill "$receiver_pid" 2>/dev/null
  docker ps -aq --filter "name=^$prefix-" | xargs -r docker rm -f -v >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

echo "publishing the panel (and the agent unless UPANEL_AGENT_BINARY is set) ..." >&2
dotnet publish src/UPanel.Panel -c Release -o "$work/panel" --nologo -v quiet >/dev/null
agent=${UPANEL_AGENT_BINARY:-}
if [ -z "$agent" ]; then
  dotnet publish src/UPanel.Agent -c Release -o "$work/agent" --nologo -v quiet >/dev/null
  agent=$work/agent/upanel-agent
fi

# The receiver: one JSON line per request (arrival time, headers, body) in $work/received.jsonl.
receiver_port=$(free_port)
python3 - "$receiver_port" "$work/received.jsonl" <<'PY' &
import http.server, json, sys, time
port, out = int(sys.argv[1]), sys.argv[2]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        at = time.time()
        with open(out, "a") as f:
            f.write(json.dumps({"at": at, "signature": self.headers.get("X-UPanel-Signature"),
                                "timestamp": self.headers.get("X-UPanel-Timestamp"), "body": body.decode()}) + "\n")
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
PY
receiver_pid=$!

port=$(free_port)
"$work/panel/upanel-panel" --urls "http://127.0.0.1:$port" --data-dir "$work/data" >"$work/panel.log" 2>&1 &
panel_pid=$!
for _ in $(seq 240); do curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; sleep 0.25; done

python3 - "http://127.0.0.1:$port" "$(cat "$work/data/admin-key")" "$interval" "$work" "$receiver_port" <<'PY' >"$work/setup"
import json, sys, urllib.request, uuid
url, admin, interval, work, receiver_port = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
def post(path, token, body):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
channel = post("/api/admin/alert-channels", admin, {"kind": "webhook", "url": f"http://127.0.0.1:{receiver_port}/hook"})
print(f"secret={channel['secret']}")
for name in ("containers", "offline", "brief"):
    install = post("/api/admin/install-tokens", admin, {})["install_token"]
    reg = post("/api/agent/register", install, {"hostname": f"bench-{name}", "os_version": "Debian 12", "cpu_cores": 2,
        "ram_mb": 4096, "disk_gb": 100, "agent_version": "1.0.0", "machine_id": uuid.uuid4().hex})
    post(f"/api/admin/servers/{reg['server_id']}/settings", admin, {"next_heartbeat_seconds": interval})
    with open(f"{work}/{name}.env", "w") as f:
        f.write(f"PANEL_URL={url}\nSERVER_ID={reg['server_id']}\nAGENT_TOKEN={reg['agent_token']}\n")
    print(f"{name}={reg['server_id']}")
PY
chmod 600 "$work"/*.env

python3 - "$work" "$prefix" "$interval" "$loop_watch" "http://127.0.0.1:$port" "$(cat "$work/data/admin-key")" "$agent" <<'PY'
import atexit, hashlib, hmac, json, os, signal, subprocess, sys, time, urllib.request
from datetime import datetime, timezone
work, prefix, interval, loop_watch, url, admin, agent = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7]
setup = dict(line.strip().split("=", 1) for line in open(f"{work}/setup"))
secret = setup["secret"]

def log(message):
    print(f"[{datetime.now(timezone.utc):%H:%M:%S}] {message}", file=sys.stderr, flush=True)

def get(path):
    req = urllib.request.Request(url + path, headers={"Authorization": "Bearer " + admin})
    with urllib.request.urlopen(req) as r:
        return json.load(r)

def docker(*args):
    return subprocess.run(["docker", *args], check=True, capture_output=True, text=True).stdout.strip()

def engine_time(text):  # RFC 3339 with nanoseconds -> seconds since the epoch
    date, _, fraction = text.rstrip("Z").partition(".")
    return datetime.strptime(date, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp() + float("0." + (fraction or "0"))

def start_agent(name, docker_socket):
    out = open(f"{work}/agent-{name}.log", "a")
    return subprocess.Popen([agent, "run", "--env-file", f"{work}/{name}.env", "--heartbeat-interval", str(interval),
        "--state-dir", f"{work}/state-{name}", "--health-listen", "off", "--docker-host", f"unix://{docker_socket}"],
        stdout=out, stderr=out, env={"PATH": "/usr/bin:/bin"})

def received():
    try:
        lines = open(f"{work}/received.jsonl").read().splitlines()
    except FileNotFoundError:
        return []
    result = []
    for line in lines:
        r = json.loads(line)
        # The panel signs the timestamp header's value, a dot and the body (NotificationPayload.Signature).
        signed = f"{r['timestamp']}.{r['body']}".encode()
        expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        r["signed"] = hmac.compare_digest(expected, r["signature"] or "")
        r["json"] = json.loads(r["body"])
        result.append(r)
    return result

def wait_for(match, what, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [r for r in received() if match(r["json"])]
        if found:
            return found[0]
        time.sleep(0.05)
    raise SystemExit(f"timed out after {timeout} s waiting for {what}")

def about(server, kind=None, container=None, event="alert.firing"):
    return lambda j: j["server_id"] == setup[server] and j["event"] == event and (kind is None or j["kind"] == kind) \
        and (container is None or j.get("container") == container)

def last_seen_age(server):
    seen = get(f"/api/admin/servers/{setup[server]}").get("last_seen_at")
    return None if seen is None else time.time() - engine_time(seen)

def wait_until(condition, what, timeout=60):
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise SystemExit(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)

rows = []
def row(scenario, event, delivered, note):
    rows.append((scenario, event, delivered, note))

agents = {}
def stop_agents():
    for p in agents.values():
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in agents.values():
        p.wait()
atexit.register(stop_agents)
agents.update({name: start_agent(name, sock) for name, sock in
          (("containers", "/var/run/docker.sock"), ("offline", f"{work}/no-docker.sock"), ("brief", f"{work}/no-docker.sock"))})
wait_until(lambda: get(f"/api/admin/servers/{setup['containers']}/containers").get("containers") is not None, "the first container list")
wait_until(lambda: all(last_seen_age(s) is not None for s in ("offline", "brief")), "the first heartbeats")
log("agents reporting; starting the containers and stopping the offline and brief agents")

name = lambda n: f"{prefix}-{n}"
run = lambda n, options, *command: docker("run", "-d", "--network", "none", "--label", "upanel-test=1", "--name", name(n), *options, "upanel-test/busybox", *command)
run("exit1", [], "sh", "-c", "sleep 5; exit 1")
# tail reads /dev/zero as one endless line until the kernel kills it; the shell outlives it by a second, as in
# AgentAlertTests: when the killed process is the container's last, the engine may drop the OOM notice entirely
# (docs/decisions/oom-killed-from-events.md). The event is the engine's `oom`, a second before FinishedAt.
oom_events = subprocess.Popen(["docker", "events", "--filter", f"container={name('oom')}", "--filter", "event=oom",
    "--format", "{{.TimeNano}}"], stdout=subprocess.PIPE, text=True)
run("oom", ["--memory", "8m"], "sh", "-c", "sleep 5; tail /dev/zero; sleep 1; exit 137")
run("stopped", [], "sleep", "600")
loop_events = subprocess.Popen(["docker", "events", "--filter", f"container={name('loop')}", "--filter", "event=start",
    "--format", "{{.TimeNano}}"], stdout=subprocess.PIPE, text=True)
run("loop", ["--restart", "always"], "sh", "-c", "exit 1")

offline_stop = time.time()
agents["offline"].send_signal(signal.SIGTERM)
agents["brief"].send_signal(signal.SIGTERM)
agents["offline"].wait(); agents["brief"].wait()
offline_last_seen = time.time() - last_seen_age("offline")

# The brief agent comes back after more than an interval without a heartbeat, inside the three.
wait_until(lambda: last_seen_age("brief") > interval + 0.5, "the brief agent's gap")
brief_gap_started = time.time() - last_seen_age("brief")
brief_return = time.time()
agents["brief"] = start_agent("brief", f"{work}/no-docker.sock")

time.sleep(1)
docker("stop", "-t", "1", name("stopped"))

exited = wait_for(about("containers", "container_exited", name("exit1")), "the exit alert")
row("container exit", engine_time(docker("inspect", "-f", "{{.State.FinishedAt}}", name("exit1"))), exited,
    f"{exited['json']['kind']}: {exited['json']['summary']}")
oom = wait_for(about("containers", "container_oom_killed", name("oom")), "the OOM alert")
state = docker("inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", name("oom"))
oom_events.terminate()
oom_times = [int(line) / 1e9 for line in oom_events.communicate()[0].split()]
row("OOM kill", oom_times[0] if oom_times else float("nan"), oom,
    f"{oom['json']['kind']} (engine: OOMKilled={state.split()[0]}, exit {state.split()[1]}): {oom['json']['summary']}")
loop = wait_for(about("containers", "container_restart_loop", name("loop")), "the restart-loop alert")
loop_started = time.time()

offline = wait_for(about("offline", "server_offline"), "the offline alert")
row("offline", offline_stop, offline,
    f"agent stopped; last heartbeat {offline_stop - offline_last_seen:.1f} s before; grace {3 * interval} s: {offline['json']['summary']}")
offline_return = time.time()
agents["offline"] = start_agent("offline", f"{work}/no-docker.sock")
back = wait_for(about("offline", "server_offline", event="alert.resolved"), "the offline alert's resolution")
row("back online", offline_return, back, f"agent started again: {back['json']['summary']}")

log(f"watching the restart loop for {loop_watch} s")
while time.time() < loop_started + loop_watch:
    time.sleep(1)
starts = []
loop_events.terminate()
for line in loop_events.communicate()[0].split():
    starts.append(int(line) / 1e9)
third_restart = starts[3] if len(starts) > 3 else float("nan")
loop_alerts = [r for r in received() if about("containers", "container_restart_loop", name("loop"))(r["json"])]
restarts = docker("inspect", "-f", "{{.RestartCount}}", name("loop"))
row("restart loop", third_restart, loop,
    f"{len(loop_alerts)} restart-loop alert(s) after {loop_watch} s, {restarts} restarts: {loop['json']['summary']}")

stopped = [r for r in received() if r["json"].get("container") == name("stopped")]
row("docker stop", engine_time(docker("inspect", "-f", "{{.State.FinishedAt}}", name("stopped"))), None,
    f"exit code {docker('inspect', '-f', '{{.State.ExitCode}}', name('stopped'))}: {len(stopped)} notification(s)")
brief = [r for r in received() if r["json"]["server_id"] == setup["brief"]]
row("brief restart", brief_gap_started, None,
    f"agent stopped and started again {brief_return - brief_gap_started:.1f} s after its last heartbeat (grace {3 * interval} s): {len(brief)} notification(s)")

stop_agents()
everything = received()
unsigned = sum(not r["signed"] for r in everything)
print(f"alert latency: real agent (interval {interval} s) -> panel (SQLite) -> webhook on 127.0.0.1, {os.cpu_count()} cores, "
      f"load {open('/proc/loadavg').read().split()[0]}; {len(everything)} notifications, {unsigned} with a bad signature")
print(f"{'scenario':<15} {'event (UTC)':<13} {'delivered (UTC)':<16} {'latency':>8}  what arrived")
fmt = lambda t: datetime.fromtimestamp(t, timezone.utc).strftime("%H:%M:%S.%f")[:-3] if t == t else "?"
for scenario, event, delivered, note in rows:
    if delivered is None:
        print(f"{scenario:<15} {fmt(event):<13} {'-':<16} {'-':>8}  {note}")
    else:
        print(f"{scenario:<15} {fmt(event):<13} {fmt(delivered['at']):<16} {delivered['at'] - event:>7.2f}s  {note}")
if unsigned:
    sys.exit(f"{unsigned} notification(s) did not carry the channel's signature of X-UPanel-Timestamp and the body")
PY
