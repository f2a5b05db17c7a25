#!/usr/bin/env bash
# The agent image's size, uncompressed and as pushed (docker save | gzip), beside the binaries it is made of and the
# published uncompressed sizes of comparable agents' images. Builds the image first (scripts/build-image.sh).
# Usage: bench/image-size.sh [IMAGE]
set -euo pipefail
cd "$(dirname "$0")/.."
image=$(scripts/build-image.sh "${1:-upanel-bench/agent:size}")
[ -x artifacts/agent/upanel-agent ] || dotnet publish src/UPanel.Agent -c Release -o artifacts/agent --nologo -v quiet >/dev/null
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
uncompressed=$(docker image inspect -f '{{.Size}}' "$image")
compressed=$(docker save "$image" | gzip -c | wc -c)
static=$(stat -c %s artifacts/agent-static/upanel-agent)
dynamic=$(stat -c %s artifacts/agent/upanel-agent)
printf '%-46s %12s  %s\n' "what" "bytes" "" \
  "$image uncompressed" "$uncompressed" "$(mib "$uncompressed")" \
  "$image docker save | gzip -c" "$compressed" "$(mib "$compressed")" \
  "static binary (in the image)" "$static" "$(mib "$static")" \
  "dynamic binary (systemd hosts)" "$dynamic" "$(mib "$dynamic")" \
  "reference: comparable agent, Go (published)" "-" "12.7 MiB uncompressed" \
  "reference: comparable agent, Rust (published)" "-" "10.7 MiB uncompressed"
