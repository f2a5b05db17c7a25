#!/usr/bin/env bash
# Publishes the host-collector benchmark with Native AOT (as the agent ships) and prints the CPU time per
# HostMetricsCollector.Collect() on this machine. Usage: bench/host-collect.sh [iterations]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${TMPDIR:-/tmp}/upanel-host-collect-bench"
dotnet publish "$here/HostCollect/HostCollect.csproj" -c Release -o "$out" -nologo -v quiet
"$out/host-collect-bench" "${1:-20000}"
