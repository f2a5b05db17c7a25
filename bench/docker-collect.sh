#!/usr/bin/env bash
# Creates N busybox containers (default: 10, then 100), publishes the Docker collection benchmark with Native AOT
# (as the agent ships) and prints wall time, agent CPU and engine CPU per heartbeat for the agent's collector and for
# naive API approaches on the same containers, with ratios. Removes its containers at the end.
# Usage: bench/docker-collect.sh [N ...]   (env HEARTBEATS, default 10)
#        bench/docker-collect.sh --loop [N ...]: the agent's collection back to back (COLLECTIONS, default 3000) with the
#        event stream live (the list reused, the engine pinged at most once a minute) and then listing each time, on N
#        more containers (0: the engine's own): process CPU, wall time, bytes allocated and gen0 collections per
#        collection (every container on the engine is collected).
set -euo pipefail
loop=false
[ "${1:-}" = "--loop" ] && { loop=true; shift; }
here="$(cd "$(dirname "$0")" && pwd)"
out="${TMPDIR:-/tmp}/upanel-docker-collect-bench"
label="upanel-bench=1"
image="${BENCH_IMAGE:-upanel-test/busybox}"
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(10 100)

cleanup() { docker ps -aq --filter "label=$label" | xargs -r docker rm -f >/dev/null; }
trap cleanup EXIT

dotnet publish "$here/DockerCollect/DockerCollect.csproj" -c Release -o "$out" -nologo -v quiet
for n in "${counts[@]}"; do
  cleanup
  echo "== N=$n busybox 'sleep' containers =="
  [ "$n" -gt 0 ] && seq 1 "$n" | xargs -P 8 -I{} docker run -d --network none --label "$label" "$image" sleep 3600 >/dev/null
  if $loop; then
    # The socket engine's completions inline, as the agent sets them (Reporting/SocketEngine).
    DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 "$out/docker-collect-bench" loop "${COLLECTIONS:-3000}"
    DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 "$out/docker-collect-bench" loop "${COLLECTIONS:-3000}" list
  else
    "$out/docker-collect-bench" "${HEARTBEATS:-10}" "$label"
  fi
  echo
done
