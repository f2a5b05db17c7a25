#!/bin/sh
# Installs the UPanel agent on this server and registers it with the panel. The panel serves this script at
# /install.sh with its own URL filled in:
#
#   curl -fsSL https://PANEL/install.sh | sudo sh -s -- --token INSTALL_TOKEN
#
# Docker (default): the agent's image under Docker Compose in /opt/upanel-agent (.env 0600, directory 0700).
# --systemd: hosts without Docker: the agent binary in /usr/local/bin and a hardened systemd unit.
#
# Re-running it is safe: a registered server keeps its identity and token (no second server, no install token
# needed), and the compose file, image and container are brought up to date (an upgrade when the image changed).
#
#   --token TOKEN       install token from the panel (or INSTALL_TOKEN in the environment); the first run needs it
#   --panel-url URL     the panel (filled in when the panel served this script)
#   --ca-file PATH      trust this CA (PEM) for the panel's certificate: a panel behind a private CA
#   --systemd           install the binary and a systemd unit instead of the container
#   --binary PATH|URL   with --systemd: the agent binary to install (default: the release download)
#   --uninstall         stop and remove what this script installed, and nothing else
#   UPANEL_IMAGE=...    environment: another image (a mirror, a pinned version, a locally built one)
#   HEALTH_LISTEN=...   environment: the agent's /health address (default 127.0.0.1:8443), kept in .env
set -eu

panel_url='' # @panel_url@: the panel fills this in
default_image='ghcr.io/inte-team/upanel-agent:latest' # @image@: the panel fills this in
default_binary_url='https://github.com/inte-team/upanel-agent/releases/latest/download/upanel-agent-linux-x64'

dir=/opt/upanel-agent
container=upanel-agent
unit=/etc/systemd/system/upanel-agent.service
binary_path=/usr/local/bin/upanel-agent
image=${UPANEL_IMAGE:-$default_image}
token=${INSTALL_TOKEN:-}
health_listen=${HEALTH_LISTEN:-}
ca_file=''
binary=''
mode=docker
action=install

say() { printf 'upanel-agent install: %s\n' "$*" >&2; }
fail() {
  say "$*"
  exit 1
}
usage() {
  cat <<'USAGE'
usage: install.sh [--token INSTALL_TOKEN] [--panel-url URL] [--ca-file PEM] [--systemd [--binary PATH|URL]]
       install.sh --uninstall
Installs the UPanel agent (Docker Compose in /opt/upanel-agent, or with --systemd a systemd unit) and registers it
with the panel; safe to run again (upgrade: same server and token, no install token needed).
  --token TOKEN       install token from the panel (or INSTALL_TOKEN in the environment); the first run needs it
  --panel-url URL     the panel (filled in when the panel served this script)
  --ca-file PATH      trust this CA (PEM) for the panel's certificate: a panel behind a private CA
  --systemd           install the binary and a systemd unit instead of the container
  --binary PATH|URL   with --systemd: the agent binary to install (default: the release download)
  --uninstall         stop and remove what this script installed, and nothing else
  UPANEL_IMAGE=...    environment: another image (a mirror, a pinned version, a locally built one)
  HEALTH_LISTEN=...   environment: the agent's /health address (default 127.0.0.1:8443), kept in .env;
                      e.g. curl ... | sudo HEALTH_LISTEN=127.0.0.1:8444 sh -s -- --token TOKEN when 8443 is taken
USAGE
  exit 0
}

while [ $# -gt 0 ]; do
  case $1 in
    --token) [ $# -ge 2 ] || fail "--token needs a value"; token=$2; shift 2 ;;
    --token=*) token=${1#*=}; shift ;;
    --panel-url) [ $# -ge 2 ] || fail "--panel-url needs a value"; panel_url=$2; shift 2 ;;
    --panel-url=*) panel_url=${1#*=}; shift ;;
    --ca-file) [ $# -ge 2 ] || fail "--ca-file needs a value"; ca_file=$2; shift 2 ;;
    --ca-file=*) ca_file=${1#*=}; shift ;;
    --binary) [ $# -ge 2 ] || fail "--binary needs a value"; binary=$2; shift 2 ;;
    --binary=*) binary=${1#*=}; shift ;;
    --systemd) mode=systemd; shift ;;
    --uninstall) action=uninstall; shift ;;
    -h | --help) usage ;;
    *) fail "unknown option '$1' (options: --token, --panel-url, --ca-file, --systemd, --binary, --uninstall)" ;;
  esac
done

[ "$(id -u)" = 0 ] || fail "run it as root: curl -fsSL .../install.sh | sudo sh -s -- --token INSTALL_TOKEN"

registered() {
  [ -f "$dir/.env" ] && grep -q '^SERVER_ID=.' "$dir/.env" && grep -q '^AGENT_TOKEN=.' "$dir/.env"
}

# What this run created, removed again if it fails: the host is left as it was.
created=''
started=''
cleanup() {
  status=$?
  if [ "$status" -ne 0 ] && [ -n "$created" ]; then
    say "failed: removing what this run created ($created${started:+, the container and its volume})"
    [ -z "$started" ] || compose down -v >/dev/null 2>&1 || true
    for path in $created; do rm -rf "$path"; done
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

make_dir() {
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir"
    created="$created $dir"
  fi
  chmod 0700 "$dir"
}

# Sets KEY=VALUE in the env file (replaced where present, else appended), keeping it 0600.
set_env() {
  tmp="$dir/.env.tmp"
  (umask 077 && { grep -v "^$1=" "$dir/.env" || true; } >"$tmp" && printf '%s=%s\n' "$1" "$2" >>"$tmp")
  mv "$tmp" "$dir/.env"
  chmod 0600 "$dir/.env"
}

need_registration() {
  [ -n "$panel_url" ] || fail "no panel URL: pass --panel-url https://PANEL (the panel's /install.sh has it filled in)"
  [ -n "$token" ] || fail "not registered yet and no install token: pass --token INSTALL_TOKEN (the panel's 'add a server' shows it)"
  [ -z "$ca_file" ] || [ -f "$ca_file" ] || fail "--ca-file $ca_file does not exist"
}

copy_ca() {
  if [ -n "$ca_file" ]; then
    [ -f "$ca_file" ] || fail "--ca-file $ca_file does not exist"
    cp "$ca_file" "$dir/ca.pem" && chmod 0644 "$dir/ca.pem"
  fi
}

server_id() { sed -n 's/^SERVER_ID=//p' "$dir/.env" | tr -d '"'"'"; }

compose_file() {
  cat <<'COMPOSE'
# UPanel agent. Lives in /opt/upanel-agent beside the .env that `upanel-agent register` (the install script) wrote:
#   docker compose up -d                               (or Debian's docker-compose 1.29: docker-compose up -d)
#   docker compose pull && docker compose up -d        upgrade to the newest image of UPANEL_IMAGE's tag
# Settings are in .env: the agent's (PANEL_URL, SERVER_ID, AGENT_TOKEN, ...) and this file's (UPANEL_IMAGE, DOCKER_GID,
# HEALTH_LISTEN). A private CA, extra mounts: docker-compose.override.yml beside this file (README.md shows one).
services:
  agent:
    image: ${UPANEL_IMAGE:-ghcr.io/inte-team/upanel-agent:latest}
    container_name: upanel-agent
    restart: unless-stopped
    # The host's network: the panel is reached exactly as the host reaches it (its DNS, routes, proxies), and engines
    # without a bridge (rootless, --bridge=none) work too. Network counters are the host's either way (HOST_PROC/1/net/dev).
    network_mode: host
    env_file: .env
    environment:
      # /health for Docker's HEALTHCHECK, on the host's loopback only; 0.0.0.0:8443 to let a remote monitor ask it.
      HEALTH_LISTEN: ${HEALTH_LISTEN:-127.0.0.1:8443}
    # The image's user is 65532 (not root); the Docker socket's group lets it read the socket.
    group_add:
      - "${DOCKER_GID:-999}"
    read_only: true
    cap_drop:
      - ALL
    security_opt:
      - no-new-privileges:true
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro
      - /proc:/host/proc:ro
      - /sys:/host/sys:ro
      # Disk usage is the host's / (statvfs of HOST_ROOT), never the container's overlay.
      - /:/host/root:ro
      # STATE_DIR: the rotated agent token survives re-creating the container.
      - state:/var/lib/upanel-agent
    healthcheck:
      test: ["CMD", "/usr/local/bin/upanel-agent", "health"]
      interval: 30s
      timeout: 10s
      retries: 3
      start_period: 10s
    logging:
      driver: json-file
      options:
        max-size: "10m"
        max-file: "3"

volumes:
  state:
COMPOSE
}

# The override that trusts --ca-file (compose reads docker-compose.override.yml beside the compose file).
ca_override() {
  cat <<'OVERRIDE'
# Written by install.sh --ca-file: the panel's certificate is signed by the CA in ca.pem.
services:
  agent:
    environment:
      SSL_CERT_FILE: /etc/upanel/ca.pem
    volumes:
      - ./ca.pem:/etc/upanel/ca.pem:ro
OVERRIDE
}

unit_file() {
  cat <<'UNIT'
# UPanel agent on a host without Docker (install.sh --systemd). Settings: /opt/upanel-agent/.env, read by systemd
# (root) and handed over as environment; the agent itself cannot read that directory.
[Unit]
Description=UPanel agent (heartbeats to the panel)
Documentation=https://github.com/inte-team/upanel-agent
Wants=network-online.target
After=network-online.target

[Service]
Type=exec
ExecStart=/usr/local/bin/upanel-agent run
Environment=HEALTH_LISTEN=127.0.0.1:8443
# No per-thread malloc caches (docs/decisions/one-malloc-arena.md): the https agent's heap no longer grows per connection.
Environment=GLIBC_TUNABLES=glibc.malloc.tcache_count=0
EnvironmentFile=/opt/upanel-agent/.env
Restart=on-failure
RestartSec=5s

# A user of its own, created for the service; the rotated token lives in /var/lib/upanel-agent (0700).
DynamicUser=yes
User=upanel-agent
StateDirectory=upanel-agent
StateDirectoryMode=0700
UMask=0077

# Reads /proc, /sys and statvfs("/"); writes only its state directory; talks HTTP(S) and to the Docker socket.
CapabilityBoundingSet=
AmbientCapabilities=
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
InaccessiblePaths=-/opt/upanel-agent
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
# AF_NETLINK: glibc's getaddrinfo asks the kernel which address families are configured.
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
SystemCallArchitectures=native
# Not set: MemoryDenyWriteExecute and SystemCallFilter, unproven for the .NET runtime without a systemd host to test on.

[Install]
WantedBy=multi-user.target
UNIT
}

# Polls `upanel-agent health --verbose` until the agent answers and the panel has accepted a heartbeat.
wait_for_heartbeat() { # command to run the probe...
  i=0
  last=''
  while [ "$i" -lt 60 ]; do
    if last=$("$@" health --verbose 2>&1) && printf '%s' "$last" | grep -q 'last heartbeat accepted'; then
      return 0
    fi
    # An agent that exited (a setting it refuses, a taken port) will not report: no use waiting out the 120 s.
    if [ "$mode" = docker ] && [ "$(restarts)" != "$started_as" ]; then
      say "the agent exited instead of reporting"
      return 1
    fi
    i=$((i + 1))
    sleep 2
  done
  say "the agent did not report within 120 s: ${last:-no answer}"
  return 1
}

compose() { (cd "$dir" && $compose_cmd "$@"); }
restarts() { docker inspect -f '{{.Id}} {{.RestartCount}}' "$container" 2>/dev/null || true; }

install_docker() {
  command -v docker >/dev/null 2>&1 ||
    fail "docker not found: install Docker (https://docs.docker.com/engine/install/), or use --systemd on a host without it"
  docker info >/dev/null 2>&1 || fail "the Docker engine does not answer: start it (systemctl start docker) and run this again"
  if docker compose version >/dev/null 2>&1; then
    compose_cmd='docker compose'
  elif command -v docker-compose >/dev/null 2>&1; then
    compose_cmd='docker-compose'
  else
    fail "Docker Compose not found: install the docker-compose-plugin package (or docker-compose) and run this again"
  fi
  socket=/var/run/docker.sock
  [ -S "$socket" ] || fail "$socket is not a socket: the agent reads containers through it"
  [ "$health_listen" != off ] || fail "HEALTH_LISTEN=off: the container's health check and this script need /health; give a free address, e.g. HEALTH_LISTEN=127.0.0.1:8444"

  registered || need_registration
  # A newer image under the same tag is an upgrade; an image only this host has (UPANEL_IMAGE) is used as it is.
  if ! docker pull -q "$image" >/dev/null 2>&1; then
    docker image inspect "$image" >/dev/null 2>&1 || fail "cannot pull $image and it is not on this host: check the name and this host's access to its registry"
    say "using $image as this host has it (pull failed)"
  fi

  if registered; then
    say "already registered as server $(server_id): keeping its identity and token"
  else
    need_registration
    make_dir
    copy_ca
    say "registering with $panel_url ..."
    ca_env=''
    [ -z "$ca_file" ] || ca_env='SSL_CERT_FILE=/opt/upanel-agent/ca.pem'
    # The install token reaches the container by name only (docker run -e NAME), never on its command line.
    # UPANEL_NO_NEXT_STEP: this script starts the agent, so register does not say how (an older image ignores it).
    INSTALL_TOKEN=$token docker run --rm --network host --user 0:0 -e INSTALL_TOKEN -e UPANEL_NO_NEXT_STEP=1 ${ca_env:+-e "$ca_env"} \
      -v "$dir:/opt/upanel-agent" -v /proc:/host/proc:ro -v /sys:/host/sys:ro -v /:/host/root:ro \
      "$image" register --panel-url "$panel_url" >&2 || fail "registration failed (above): nothing was installed"
  fi

  make_dir
  copy_ca
  (umask 022 && compose_file >"$dir/docker-compose.yml.tmp") && mv "$dir/docker-compose.yml.tmp" "$dir/docker-compose.yml"
  if [ -f "$dir/ca.pem" ] && [ ! -f "$dir/docker-compose.override.yml" ]; then
    (umask 022 && ca_override >"$dir/docker-compose.override.yml")
  fi
  set_env UPANEL_IMAGE "$image"
  set_env DOCKER_GID "$(stat -c %g "$socket")"
  # Kept in .env: compose reads it there, so `docker compose up -d` (the upgrade) keeps the address.
  [ -z "$health_listen" ] || set_env HEALTH_LISTEN "$health_listen"

  say "starting the agent (compose up) ..."
  case $created in *"$dir"*) started=yes ;; esac
  compose up -d >&2 || fail "docker compose up failed (above); see: cd $dir && $compose_cmd logs"
  started_as=$(restarts)
  if ! wait_for_heartbeat docker exec "$container" /usr/local/bin/upanel-agent; then
    # Shown here: a first install removes the container on the way out, and its log with it.
    agent_log=$(docker logs --tail 20 "$container" 2>&1 || true)
    say "the agent's last log lines:"
    printf '%s\n' "$agent_log" | sed 's/^/  /' >&2
    case $agent_log in *"HEALTH_LISTEN="*"cannot be bound"*)
      say "another program holds that address: stop it, or give the agent another one, e.g. curl ... | sudo HEALTH_LISTEN=127.0.0.1:8444 sh -s -- ..." ;;
    esac
    fail "started, but not reporting (its log above); once fixed, run this script again"
  fi
  cat <<EOF
UPanel agent is running in Docker and reporting to the panel as server $(server_id).
  docker ps --filter name=$container              its state (healthy after the first health check)
  docker logs -f $container                        its log
  docker exec $container upanel-agent check        diagnose configuration, panel, token and Docker
  cd $dir && $compose_cmd pull && $compose_cmd up -d   upgrade (or run this script again)
  this script with --uninstall                     remove it
EOF
}

fetch_binary() { # source, destination
  case $1 in
    http://* | https://*)
      if command -v curl >/dev/null 2>&1; then
        curl -fsSL -o "$2" "$1"
      elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$2" "$1"
      else
        fail "neither curl nor wget is installed: install one, or pass --binary PATH"
      fi
      ;;
    *) cp "$1" "$2" ;;
  esac
}

install_systemd() {
  [ -d /run/systemd/system ] || fail "systemd is not running on this host: --systemd needs it (without --systemd the agent runs in Docker)"
  command -v systemctl >/dev/null 2>&1 || fail "systemctl not found: --systemd needs systemd"
  tmp_binary="$binary_path.new"
  fetch_binary "${binary:-$default_binary_url}" "$tmp_binary" || { rm -f "$tmp_binary"; fail "cannot get the agent binary from ${binary:-$default_binary_url}"; }
  chmod 0755 "$tmp_binary"
  "$tmp_binary" version >/dev/null 2>&1 || { rm -f "$tmp_binary"; fail "${binary:-$default_binary_url} is not an agent binary this host can run"; }
  [ -f "$binary_path" ] || created="$created $binary_path"
  mv "$tmp_binary" "$binary_path"

  if registered; then
    say "already registered as server $(server_id): keeping its identity and token"
  else
    need_registration
    make_dir
    copy_ca
    ca_env=''
    [ -z "$ca_file" ] || ca_env="SSL_CERT_FILE=$dir/ca.pem"
    say "registering with $panel_url ..."
    env INSTALL_TOKEN="$token" UPANEL_NO_NEXT_STEP=1 ${ca_env:+"$ca_env"} "$binary_path" register --panel-url "$panel_url" --env-file "$dir/.env" >&2 ||
      fail "registration failed (above): nothing was installed"
  fi
  # EnvironmentFile wins over the unit's Environment=HEALTH_LISTEN.
  [ -z "$health_listen" ] || set_env HEALTH_LISTEN "$health_listen"
  # The agent cannot read /opt/upanel-agent (InaccessiblePaths): the CA goes where it can.
  if [ -f "$dir/ca.pem" ]; then
    mkdir -p /etc/upanel-agent && cp "$dir/ca.pem" /etc/upanel-agent/ca.pem && chmod 0644 /etc/upanel-agent/ca.pem
    set_env SSL_CERT_FILE /etc/upanel-agent/ca.pem
  fi

  [ -f "$unit" ] || created="$created $unit"
  unit_file >"$unit"
  if getent group docker >/dev/null 2>&1; then
    mkdir -p "$unit.d"
    printf '[Service]\nSupplementaryGroups=docker\n' >"$unit.d/docker.conf"
  fi
  systemctl daemon-reload
  systemctl enable upanel-agent >/dev/null 2>&1 || fail "systemctl enable upanel-agent failed"
  systemctl restart upanel-agent || fail "the service did not start: journalctl -u upanel-agent"
  wait_for_heartbeat "$binary_path" || fail "started, but not reporting yet: journalctl -u upanel-agent"
  cat <<EOF
UPanel agent is running under systemd and reporting to the panel as server $(server_id).
  systemctl status upanel-agent        its state
  journalctl -u upanel-agent -f        its log
  upanel-agent check --env-file $dir/.env   diagnose configuration, panel, token and Docker
  this script again (with --systemd)   upgrade; with --uninstall: remove it
EOF
}

uninstall() {
  removed=''
  if [ -f "$dir/.env" ] && grep -q '^UPANEL_IMAGE=' "$dir/.env"; then image=$(sed -n 's/^UPANEL_IMAGE=//p' "$dir/.env"); fi
  if [ -f "$dir/docker-compose.yml" ] && command -v docker >/dev/null 2>&1; then
    if docker compose version >/dev/null 2>&1; then compose_cmd='docker compose'; else compose_cmd='docker-compose'; fi
    compose down -v >&2 || fail "docker compose down failed (above): nothing was removed"
    removed="$removed container $container and its state volume;"
  fi
  if [ -f "$unit" ]; then
    if [ -d /run/systemd/system ]; then
      systemctl disable --now upanel-agent >/dev/null 2>&1 || true
    fi
    rm -rf "$unit" "$unit.d"
    [ ! -d /run/systemd/system ] || systemctl daemon-reload
    rm -rf /var/lib/upanel-agent /var/lib/private/upanel-agent /etc/upanel-agent
    removed="$removed the systemd unit and its state;"
  fi
  if [ -f "$binary_path" ]; then rm -f "$binary_path" && removed="$removed $binary_path;"; fi
  if [ -d "$dir" ]; then rm -rf "$dir" && removed="$removed $dir;"; fi
  if [ -z "$removed" ]; then
    say "nothing to remove: the agent is not installed here"
  else
    say "removed:$removed the image stays (docker image rm $image), the server stays in the panel (revoke it there)"
  fi
}

case $action:$mode in
  uninstall:*) uninstall ;;
  install:systemd) install_systemd ;;
  install:docker) install_docker ;;
esac
