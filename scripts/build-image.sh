#!/usr/bin/env bash
# Builds the agent's image on this machine without pulling anything: publishes the static binary
# (dotnet publish -p:StaticAgent=true), assembles the root filesystem from local files (the binary, this host's CA
# bundle, the state directory) and builds deploy/Dockerfile's final stage from it: the same image the
# multi-stage build makes with a network. Usage: scripts/build-image.sh [IMAGE]
# (default ghcr.io/inte-team/upanel-agent:VERSION, also tagged :latest). Prints the image reference on stdout.
# Needs clang, cmake, libssl-dev and binutils (scripts/services.sh installs them) and a Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."

out=artifacts/agent-static
work=artifacts/image
log=artifacts/agent-static-publish.log
mkdir -p artifacts
echo "build-image: publishing the static agent to $out (log: $log) ..." >&2
if ! dotnet publish src/UPanel.Agent -c Release -p:StaticAgent=true -o "$out" --nologo >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  echo "build-image: publishing the static agent failed; see $log" >&2
  exit 1
fi
binary=$out/upanel-agent
version=$("$binary" version)
revision=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
image=${1:-ghcr.io/inte-team/upanel-agent:$version}
bundle=/etc/ssl/certs/ca-certificates.crt
[ -f "$bundle" ] || { echo "build-image: $bundle missing: apt-get install ca-certificates" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work/rootfs/usr/local/bin" "$work/rootfs/etc/ssl/certs" "$work/rootfs/var/lib" "$work/rootfs/state/upanel-agent"
cp "$binary" "$work/rootfs/usr/local/bin/"
cp "$bundle" "$work/rootfs/etc/ssl/certs/"
chmod 0700 "$work/rootfs/state/upanel-agent"
{
  echo "FROM scratch AS rootfs"
  echo "COPY rootfs/ /"
  sed -n '/^# ---- final stage/,$p' deploy/Dockerfile
} >"$work/Dockerfile"

# The classic builder: the engine here has no BuildKit, and FROM scratch pulls nothing either way.
DOCKER_BUILDKIT=0 docker build -q -t "$image" \
  --build-arg "VERSION=$version" --build-arg "REVISION=$revision" "$work" >/dev/null
case $image in
  *:"$version") docker tag "$image" "${image%:"$version"}:latest" ;;
esac
echo "build-image: built $image ($(docker image inspect -f '{{.Size}}' "$image") bytes uncompressed)" >&2
echo "$image"
