#!/usr/bin/env bash
# Installs (apt) and starts what the tests need: a Docker engine with the busybox test image, and a throwaway
# PostgreSQL on 127.0.0.1:${UPANEL_PG_PORT:-55432}. Idempotent: what already runs is reused.
# Source it (`. scripts/services.sh`) to get UPANEL_TEST_POSTGRES exported. Needs root (apt, dockerd).
set -euo pipefail

say() { echo "services: $*" >&2; }

need_apt=()
command -v dockerd >/dev/null || need_apt+=(docker.io)
[ -x /bin/busybox ] || need_apt+=(busybox-static)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v clang >/dev/null || need_apt+=(clang)
command -v strace >/dev/null || need_apt+=(strace)  # the durability test watches the agent's fsyncs
if ((${#need_apt[@]})); then
  say "installing ${need_apt[*]} (apt)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Docker engine: no registry is reachable here, so no bridge/iptables and test containers run with --network none.
if ! docker info >/dev/null 2>&1; then
  say "starting dockerd (log: /tmp/upanel-dockerd.log)"
  nohup dockerd --iptables=false --ip-masq=false --bridge=none --storage-driver=vfs >/tmp/upanel-dockerd.log 2>&1 &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { say "dockerd did not start; see /tmp/upanel-dockerd.log"; exit 1; }
fi
if ! docker image inspect upanel-test/busybox >/dev/null 2>&1; then
  say "importing the upanel-test/busybox image from /bin/busybox"
  root=$(mktemp -d)
  mkdir -p "$root/bin" && cp /bin/busybox "$root/bin/"
  for a in sh sleep cat true false dd head tail; do ln -s busybox "$root/bin/$a"; done
  tar -C "$root" -c . | docker import - upanel-test/busybox >/dev/null
  rm -rf "$root"
fi

# PostgreSQL: a private cluster owned by the postgres user, on loopback only.
pg_port=${UPANEL_PG_PORT:-55432}
pg_dir=${UPANEL_PG_DIR:-/tmp/upanel-pg}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
if ! "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port"; then
  if [ ! -f "$pg_dir/PG_VERSION" ]; then
    say "creating a PostgreSQL cluster in $pg_dir"
    mkdir -p "$pg_dir" && chown postgres: "$pg_dir" && chmod 700 "$pg_dir"
    su postgres -s /bin/sh -c "'$pg_bin/initdb' -D '$pg_dir' -A trust -U postgres" >/dev/null
  fi
  say "starting PostgreSQL on 127.0.0.1:$pg_port"
  su postgres -s /bin/sh -c "'$pg_bin/pg_ctl' -D '$pg_dir' -l '$pg_dir/server.log' -w \
    -o \"-c listen_addresses=127.0.0.1 -p $pg_port -k '$pg_dir' -c fsync=off\" start" >/dev/null
fi
export UPANEL_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
say "ready: docker $(docker version --format '{{.Server.Version}}'), postgres on 127.0.0.1:$pg_port"
