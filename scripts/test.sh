#!/usr/bin/env bash
# Runs every test: starts the services they need (scripts/services.sh), runs `dotnet test` on the solution, and prints
# the totals as the last line: "N passed, N failed". Tests that need Docker or PostgreSQL fail (not skip) when
# UPANEL_REQUIRE_SERVICES=1, which this script sets.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v dotnet >/dev/null || { echo "dotnet not found: install the .NET 10 SDK (https://learn.microsoft.com/dotnet/core/install/linux-debian)" >&2; exit 1; }
. scripts/services.sh
export UPANEL_REQUIRE_SERVICES=1

# The end-to-end tests run the real Native AOT agent; publish it once (.ci/run checks this log for warnings).
mkdir -p artifacts
echo "publishing the agent (Native AOT) to artifacts/agent ..." >&2
publish_status=0
dotnet publish src/UPanel.Agent -c Release -o artifacts/agent --nologo >artifacts/agent-publish.log 2>&1 || publish_status=$?
if [ "$publish_status" -ne 0 ]; then
  tail -n 20 artifacts/agent-publish.log >&2
  echo "0 passed, 1 failed"
  exit "$publish_status"
fi
export UPANEL_AGENT_BINARY=$PWD/artifacts/agent/upanel-agent

# The deployment tests run the agent's image: built here from the static binary, nothing pulled.
image_status=0
# Tagged per checkout (as the tests' own fallback does): other checkouts on this machine build theirs.
UPANEL_AGENT_IMAGE=$(scripts/build-image.sh "upanel-test/agent:test-$(printf %s "$PWD" | sha256sum | cut -c1-8)") || image_status=$?
if [ "$image_status" -ne 0 ]; then
  echo "0 passed, 1 failed"
  exit "$image_status"
fi
export UPANEL_AGENT_IMAGE

results=$(mktemp -d /tmp/upanel-test-results.XXXXXX)
status=0
# One test project at a time (-m:1): the Docker, PostgreSQL and end-to-end tests share one engine and two cores.
# A test that hangs (an await nothing completes) is stopped after 10 minutes and named in the output, instead of
# holding CI until its 90-minute limit.
dotnet test UPanel.slnx -c Release -m:1 --blame-hang-timeout 10m --blame-hang-dump-type none --logger "trx" --results-directory "$results" "$@" || status=$?

# dotnet test prints one summary per test project; add them up from the trx files.
read -r passed failed skipped < <(
  cat "$results"/*.trx 2>/dev/null | grep -o '<Counters [^>]*>' |
    sed -E 's/.* passed="([0-9]+)".* failed="([0-9]+)".*/\1 \2/' |
    awk '{p+=$1; f+=$2} END {print p+0, f+0, 0}')
skipped=$(cat "$results"/*.trx 2>/dev/null | grep -o '<Counters [^>]*>' | sed -E 's/.* notExecuted="([0-9]+)".*/\1/' | awk '{s+=$1} END {print s+0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # a build or runner failure counts as a failure
[ "$skipped" -eq 0 ] || echo "$skipped skipped"
echo "$passed passed, $failed failed"
exit "$status"
