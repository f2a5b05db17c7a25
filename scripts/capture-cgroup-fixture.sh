#!/usr/bin/env bash
# Captures a container's cgroup files into a fixture tree rooted like HOST_SYS, the way the trees under
# tests/UPanel.Agent.Tests/Collection/Docker/Fixtures were taken (see the README there):
#   scripts/capture-cgroup-fixture.sh OUT_DIR [docker|podman]
# Starts a busybox container (--network none, 64 MiB written into a tmpfs, then a shell loop spinning for 3 s), pauses
# it so the counters stand still, and copies verbatim whatever the kernel shows for it: the cgroup v2 files (cpu.stat,
# memory.current, memory.stat, io.stat, pids.current, cgroup.controllers of the root) from the unified hierarchy (all of
# /sys/fs/cgroup on a v2 host, /sys/fs/cgroup/unified on a hybrid one, where the v2 files of controllers bound to v1 are
# absent), and the v1 cpuacct.usage, memory.usage_in_bytes and memory.stat when v1 controllers are mounted. Prints what
# it copied and what the engine's own stats said at that moment, to write into the README. Removes its container.
set -euo pipefail

out=${1:?usage: scripts/capture-cgroup-fixture.sh OUT_DIR [docker|podman]}
engine=${2:-docker}
name="upanel-capture-$$"
image=${UPANEL_TEST_IMAGE:-upanel-test/busybox} # the tests' busybox (scripts/services.sh builds it)

cleanup() { "$engine" rm -f "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT

# shellcheck disable=SC2016 # expanded by the container's shell
"$engine" run -d --name "$name" --network none --tmpfs /data:size=100m "$image" \
  sh -c 'dd if=/dev/zero of=/data/fill bs=1M count=64 2>/dev/null; end=$(($(date +%s) + 3)); while [ "$(date +%s)" -lt "$end" ]; do :; done; exec sleep 3600' >/dev/null
sleep 5 # the fill and the 3 s spin are over (a fixed wait is fine here: no test runs on it)
"$engine" pause "$name" >/dev/null
id=$("$engine" inspect -f '{{.Id}}' "$name")
pid=$("$engine" inspect -f '{{.State.Pid}}' "$name")

copy() { # copy HOST_PATH: /sys/... into OUT_DIR/sys/..., when the kernel shows it
  if [ -r "$1" ]; then
    mkdir -p "$out$(dirname "$1")"
    cp "$1" "$out$1"
    echo "captured ${1}"
  else
    echo "not shown by this kernel: ${1}"
  fi
}

# The unified (v2) hierarchy: the "0::" line of the container's /proc/PID/cgroup.
v2_root=/sys/fs/cgroup
[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] || v2_root=/sys/fs/cgroup/unified
v2_path=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
if [ -n "$v2_path" ] && [ -d "$v2_root$v2_path" ]; then
  [ "$v2_root" = /sys/fs/cgroup ] && copy /sys/fs/cgroup/cgroup.controllers
  for file in cpu.stat memory.current memory.stat io.stat pids.current; do copy "$v2_root$v2_path/$file"; done
fi

# v1 controllers, when mounted (a v1 or hybrid host): the lines naming cpuacct and memory.
for controller in cpuacct memory; do
  v1_path=$(awk -F: -v c="$controller" '{ n = split($2, names, ","); for (i = 1; i <= n; i++) if (names[i] == c) print $3 }' "/proc/$pid/cgroup")
  [ -n "$v1_path" ] || continue
  dir=$(find /sys/fs/cgroup -maxdepth 1 -name "*$controller*" -type d | head -n 1)
  case $controller in
    cpuacct) copy "$dir$v1_path/cpuacct.usage" ;;
    memory) copy "$dir$v1_path/memory.usage_in_bytes"; copy "$dir$v1_path/memory.stat" ;;
  esac
done

echo "container: $id ($("$engine" --version))"
echo "engine stats: $("$engine" stats --no-stream --format '{{.CPUPerc}} {{.MemUsage}}' "$name")"
