#!/usr/bin/env bash
# Starts the whole system on this host: the reference panel on SQLite and an agent registered to it, both in the
# foreground until Ctrl-C. State (panel data, agent env file) lives in .local/ and is reused on the next start.
set -euo pipefail
cd "$(dirname "$0")/.."

local_dir=${UPANEL_LOCAL_DIR:-$PWD/.local}
panel_url=http://127.0.0.1:${UPANEL_PANEL_PORT:-8080}
health_listen=127.0.0.1:${UPANEL_HEALTH_PORT:-8443}

command -v dotnet >/dev/null || { echo "dotnet not found: install the .NET 10 SDK (https://learn.microsoft.com/dotnet/core/install/linux-debian)" >&2; exit 1; }
if ! command -v clang >/dev/null; then
  echo "installing clang (needed to build the Native AOT agent)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang >/dev/null
fi
command -v curl >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null; }

mkdir -p "$local_dir"
echo "building the panel and the agent (Native AOT) ..." >&2
dotnet publish src/UPanel.Panel -c Release -o "$local_dir/panel" --nologo -v quiet >/dev/null
dotnet publish src/UPanel.Agent -c Release -o "$local_dir/agent" --nologo -v quiet >/dev/null
panel=$local_dir/panel/upanel-panel
agent=$local_dir/agent/upanel-agent
data=$local_dir/panel-data

pids=()
# shellcheck disable=SC2317 # called by the traps
stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT
trap 'stop; exit 130' INT TERM
panel_log=$local_dir/panel.log
: >"$panel_log"
"$panel" --urls "$panel_url" --data-dir "$data" >>"$panel_log" 2>&1 &
panel_pid=$!
pids+=("$panel_pid")
# Our panel's own word that it listens, not whatever answers on the port (another program may hold it).
for _ in $(seq 120); do
  grep -q "Now listening on" "$panel_log" && break
  kill -0 "$panel_pid" 2>/dev/null || break
  sleep 0.5
done
if ! kill -0 "$panel_pid" 2>/dev/null || ! grep -q "Now listening on" "$panel_log"; then
  echo "the panel did not start:" >&2
  grep -E "cannot|fail|error" "$panel_log" | tail -n 3 >&2
  echo "see $panel_log; if the port is taken, choose another: UPANEL_PANEL_PORT=8081 $0" >&2
  exit 1
fi

if [ ! -f "$local_dir/agent.env" ]; then
  # This script starts the agent itself: register's "next: start the agent" would mislead here.
  INSTALL_TOKEN=$("$panel" install-token create --data-dir "$data") UPANEL_NO_NEXT_STEP=1 \
    "$agent" register --panel-url "$panel_url" --env-file "$local_dir/agent.env"
fi

"$agent" run --env-file "$local_dir/agent.env" --health-listen "$health_listen" --state-dir "$local_dir/agent-state" &
agent_pid=$!
pids+=("$agent_pid")

cat >&2 <<EOT

UPanel is running (Ctrl-C stops both):
  open          $panel_url
  sign in with  the admin key: cat $data/admin-key
  agent health  curl http://$health_listen/health
  admin API     curl -H "Authorization: Bearer \$(cat $data/admin-key)" $panel_url/api/admin/servers
This host appears with its first heartbeat, within a few seconds; its charts fill in as heartbeats arrive.
EOT
status=0
wait -n "${pids[@]}" || status=$?
# One of the two stopped on its own (Ctrl-C exits in the trap): say which, and the setting of this script to change.
if ! kill -0 "$agent_pid" 2>/dev/null; then
  echo "the agent stopped (its message is above); if its health port is taken (by an installed agent, say), choose another: UPANEL_HEALTH_PORT=18443 $0" >&2
else
  echo "the panel stopped; see $panel_log" >&2
fi
exit $((status == 0 ? 1 : status))
