#!/usr/bin/env bash
# Publishes the agent with ILC's size statistics and prints where the binary's bytes go: by assembly, namespace and
# type, the largest blobs, and (with a filter) every member whose name contains it.
# Usage: bench/footprint-size.sh [top=40] [filter]      e.g. bench/footprint-size.sh 20 TimeZoneInfo
# Env: OUT (publish dir, default $TMPDIR/upanel-footprint-size), NO_PUBLISH=1 to reuse the last .mstat.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-${TMPDIR:-/tmp}/upanel-footprint-size}
mstat=src/UPanel.Agent/obj/Release/net10.0/linux-x64/native/upanel-agent.mstat
if [ -z "${NO_PUBLISH:-}" ]; then
  dotnet publish src/UPanel.Agent -c Release -o "$out" --nologo -v quiet -p:IlcGenerateMstatFile=true >&2
  echo "upanel-agent: $(stat -c %s "$out/upanel-agent") bytes" >&2
fi
dotnet run --project bench/MstatSizes -c Release -v quiet -- "$mstat" "${1:-40}" ${2:+"$2"}
