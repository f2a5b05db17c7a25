#!/usr/bin/env bash
# Installs (apt) and starts what the tests need: a Docker engine and Podman's Docker-compatible API service, each with
# the busybox test image, and a throwaway PostgreSQL on 127.0.0.1:${UPANEL_PG_PORT:-55432}. Idempotent: what already
# runs is reused. Source it (`. scripts/services.sh`) to get UPANEL_TEST_POSTGRES and UPANEL_TEST_PODMAN_SOCKET
# exported. Needs root (apt, dockerd, podman).
set -euo pipefail

say() { echo "services: $*" >&2; }

need_apt=()
command -v dockerd >/dev/null || need_apt+=(docker.io)
command -v podman >/dev/null || need_apt+=(podman)
[ -x /bin/busybox ] || need_apt+=(busybox-static)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v clang >/dev/null || need_apt+=(clang)
command -v strace >/dev/null || need_apt+=(strace)  # the durability test watches the agent's fsyncs
# The static agent for the image (scripts/build-image.sh): .NET's OpenSSL shim is built with cmake against libssl-dev,
# GNU strip strips it; the image tests resolve names through dnsmasq.
command -v cmake >/dev/null || need_apt+=(cmake)
[ -f /usr/include/openssl/ssl.h ] || need_apt+=(libssl-dev)
command -v strip >/dev/null || need_apt+=(binutils)
[ -f /etc/ssl/certs/ca-certificates.crt ] || need_apt+=(ca-certificates)
command -v dnsmasq >/dev/null || need_apt+=(dnsmasq-base)
# The deployment tests: Debian's docker-compose 1.29, shellcheck for the install script, systemd-analyze for the unit.
command -v docker-compose >/dev/null || need_apt+=(docker-compose)
command -v shellcheck >/dev/null || need_apt+=(shellcheck)
[ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)  # round-robin in front of two panels (ScaleOut tests, bench/ingest.sh --instances)
command -v systemd-analyze >/dev/null || need_apt+=(systemd)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)  # the panel's browser tests (Playwright drives it; it never downloads one)
# The e-mail alert tests' SMTP server (tests/UPanel.Panel.Tests/Alerts/smtp_server.py), run by Debian's python3.
[ -f /usr/lib/python3/dist-packages/aiosmtpd/smtp.py ] || need_apt+=(python3-aiosmtpd)
if ((${#need_apt[@]})); then
  say "installing ${need_apt[*]} (apt)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Docker engine: no registry is reachable here, so no bridge/iptables and test containers run with --network none.
if ! docker info >/dev/null 2>&1; then
  say "starting dockerd (log: /tmp/upanel-dockerd.log)"
  (cd / && exec nohup dockerd --iptables=false --ip-masq=false --bridge=none --storage-driver=vfs) >/tmp/upanel-dockerd.log 2>&1 &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { say "dockerd did not start; see /tmp/upanel-dockerd.log"; exit 1; }
fi
busybox_tar() { # the test image's root filesystem (the static busybox and its applets), as a tar on stdout
  local root; root=$(mktemp -d)
  mkdir -p "$root/bin" && cp /bin/busybox "$root/bin/"
  for a in sh sleep cat true false dd head tail; do ln -s busybox "$root/bin/$a"; done
  tar -C "$root" -c .
  rm -rf "$root"
}
if ! docker image inspect upanel-test/busybox >/dev/null 2>&1; then
  say "importing the upanel-test/busybox image from /bin/busybox"
  busybox_tar | docker import - upanel-test/busybox >/dev/null
fi

# Podman's Docker-compatible API (`podman system service`) for the Podman tests, kept apart from Docker: its own
# config, vfs storage under /var/lib/upanel-podman, cgroupfs (no systemd needed), no network (containers use none).
# The limits: Podman gives a root container nofile 1048576 and nproc 4194304, which runc cannot set where the machine
# withholds CAP_SYS_RESOURCE (this sandbox): containers get the hard limits Podman itself runs with instead.
podman_dir=/var/lib/upanel-podman
podman_socket=/run/upanel-podman.sock
podman_api() { podman --url "unix://$podman_socket" "$@"; }
if ! podman_api ps -q >/dev/null 2>&1; then
  say "starting the Podman API service on $podman_socket (log: /tmp/upanel-podman.log)"
  podman_nofile=$(ulimit -Hn) podman_nproc=$(ulimit -Hu)
  # Podman lowers its own nproc to 32768.
  { [ "$podman_nproc" = unlimited ] || [ "$podman_nproc" -gt 32768 ]; } && podman_nproc=32768
  mkdir -p "$podman_dir"
  cat >"$podman_dir/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$podman_dir/storage"
runroot = "/run/upanel-podman/storage"
EOF
  cat >"$podman_dir/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$podman_nofile:$podman_nofile", "nproc=$podman_nproc:$podman_nproc"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "/run/upanel-podman/libpod"
EOF
  rm -f "$podman_socket"
  # Started from /: the service outlives this checkout, and conmon cannot start a container once the service's
  # working directory is gone ("Failed to get working directory": every `podman run` then fails).
  # (`( ... &)` would make bash wait for the service when the calling script exits: background the subshell itself.)
  (cd / && export CONTAINERS_CONF=$podman_dir/containers.conf CONTAINERS_STORAGE_CONF=$podman_dir/storage.conf &&
    exec nohup podman system service --time=0 "unix://$podman_socket") >/tmp/upanel-podman.log 2>&1 &
  for _ in $(seq 100); do podman_api ps -q >/dev/null 2>&1 && break; sleep 0.2; done
  podman_api ps -q >/dev/null 2>&1 || { say "the Podman API did not start; see /tmp/upanel-podman.log"; exit 1; }
fi
if ! podman_api image exists upanel-test/busybox; then
  say "importing the upanel-test/busybox image into Podman"
  busybox_tar | podman_api import - upanel-test/busybox >/dev/null
fi
export UPANEL_TEST_PODMAN_SOCKET=$podman_socket

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
say "ready: docker $(docker version --format '{{.Server.Version}}')," \
  "$(podman --version) on $podman_socket, postgres on 127.0.0.1:$pg_port"
