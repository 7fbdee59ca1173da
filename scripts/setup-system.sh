#!/usr/bin/env bash
# Makes this Debian machine ready for the test suites (DESIGN.md §9): installs the
# system packages the tests talk to and starts their daemons. Safe to run any number of
# times: each component is checked first and only fixed when it does not answer.
#
# When CI is set, a required component that is missing and cannot be installed or started
# fails the run (exit 1) — CI never silently skips. Elsewhere it is a loud warning, so a
# developer without root can still run the suites that do not need it.
#
# Adding a component (docker.io, nginx, caddy, pebble, openssh-server, chromium,
# busybox-static, ...): write an `ensure_<name>` function below in its own section that
# returns 0 when the component answers and non-zero (after printing why) when it cannot
# be made to, then add <name> to REQUIRED_COMPONENTS or OPTIONAL_COMPONENTS.
set -euo pipefail

# What today's tests need, and what is merely checked.
REQUIRED_COMPONENTS=(postgresql installer_tools chromium docker nginx pebble)
OPTIONAL_COMPONENTS=(redis)

TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

# ───────────────────────────── helpers ─────────────────────────────

# Colours only when stderr is a terminal, so CI logs stay plain text.
if [[ -t 2 ]]; then
  BOLD=$'\033[1m' YELLOW=$'\033[33m' RED=$'\033[31m' RESET=$'\033[0m'
else
  BOLD='' YELLOW='' RED='' RESET=''
fi

log() { printf '%s==> %s%s\n' "$BOLD" "$*" "$RESET" >&2; }
info() { printf '    %s\n' "$*" >&2; }
warn() { printf '%swarning: %s%s\n' "$YELLOW" "$*" "$RESET" >&2; }
fail() { printf '%serror: %s%s\n' "$RED" "$*" "$RESET" >&2; }

in_ci() { [[ -n "${CI:-}" && "${CI}" != "false" && "${CI}" != "0" ]]; }

# Runs a command as root: directly when we are root, else through passwordless sudo.
as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    fail "need root to run: $*"
    return 1
  fi
}

# Runs a command as the given system user (for daemons that refuse to run as root).
as_user() {
  local user="$1"
  shift
  if [[ "$(id -un)" == "$user" ]]; then
    "$@"
  else
    as_root runuser -u "$user" -- "$@"
  fi
}

APT_UPDATED=0
# Installs Debian packages; `apt-get update` runs once per invocation, before the first install.
apt_install() {
  command -v apt-get >/dev/null 2>&1 || {
    fail "apt-get is not available, cannot install: $*"
    return 1
  }
  if [[ "$APT_UPDATED" -eq 0 ]]; then
    info "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
    APT_UPDATED=1
  fi
  info "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" || return 1
}

# True when something accepts TCP connections on host:port within two seconds.
tcp_port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# Retries a command once a second until it succeeds or `seconds` pass.
wait_until() {
  local seconds="$1"
  shift
  local i
  for ((i = 0; i < seconds; i++)); do
    "$@" && return 0
    sleep 1
  done
  "$@"
}

# ───────────────────────────── PostgreSQL ─────────────────────────────
# Tests connect as postgres to TEST_POSTGRES_URL (default
# postgres://postgres@127.0.0.1:5432/postgres) without a password, and create and drop
# their own databases there.

postgres_host() { sed -E 's#^[a-z]+://([^@/]*@)?([^:/?]+).*#\2#' <<<"$TEST_POSTGRES_URL"; }
postgres_port() {
  local port
  port="$(sed -nE 's#^[a-z]+://([^@/]*@)?[^:/?]+:([0-9]+).*#\2#p' <<<"$TEST_POSTGRES_URL")"
  printf '%s\n' "${port:-5432}"
}

postgres_ready() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$(postgres_host)" -p "$(postgres_port)"
  else
    tcp_port_open "$(postgres_host)" "$(postgres_port)"
  fi
}

# True when the test URL works: the server answers and lets the role in without a password.
postgres_accepts_test_url() {
  command -v psql >/dev/null 2>&1 || return 1
  PGCONNECT_TIMEOUT=5 psql "$TEST_POSTGRES_URL" -w -XAtq -c 'select 1' >/dev/null 2>&1
}

# Starts the local cluster on the test port (or the newest one), creating one if none exists.
start_local_postgres() {
  command -v pg_lsclusters >/dev/null 2>&1 || return 1
  if [[ -z "$(pg_lsclusters -h 2>/dev/null)" ]]; then
    local version
    version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
    info "creating PostgreSQL $version cluster 'main' on port $(postgres_port)"
    as_root pg_createcluster "$version" main --port "$(postgres_port)" >/dev/null || return 1
  fi
  local cluster
  cluster="$(pg_lsclusters -h | awk -v port="$(postgres_port)" '$3 == port { print $1 " " $2; exit }')"
  [[ -n "$cluster" ]] || cluster="$(pg_lsclusters -h | sort -V | tail -n 1 | awk '{ print $1 " " $2 }')"
  info "pg_ctlcluster --skip-systemctl-redirect $cluster start"
  # shellcheck disable=SC2086 # "<version> <name>" is two arguments
  as_root pg_ctlcluster --skip-systemctl-redirect $cluster start || true
  wait_until 30 postgres_ready
}

# Test machines only: lets the postgres role in over TCP from 127.0.0.1 without a password.
allow_trust_on_loopback() {
  local marker='# added by infrapilot scripts/setup-system.sh (test machine)'
  local hba
  hba="$(as_user postgres psql -p "$(postgres_port)" -XAtq -c 'show hba_file' 2>/dev/null)" || {
    fail "cannot read pg_hba.conf location through the local socket as the postgres user"
    return 1
  }
  if ! as_root grep -qF "$marker" "$hba"; then
    info "adding 'host all postgres 127.0.0.1/32 trust' to $hba"
    as_root sh -c 'tmp="$(mktemp)" && { printf "%s\n%s\n" "$2" "host all postgres 127.0.0.1/32 trust"; cat "$1"; } >"$tmp" && cat "$tmp" >"$1" && rm -f "$tmp"' \
      sh "$hba" "$marker" || return 1
  fi
  as_user postgres psql -p "$(postgres_port)" -XAtq -c 'select pg_reload_conf()' >/dev/null
  wait_until 5 postgres_accepts_test_url
}

ensure_postgresql() {
  local host port
  host="$(postgres_host)"
  port="$(postgres_port)"
  if [[ "$host" != "127.0.0.1" && "$host" != "localhost" ]]; then
    # Someone else's server: check it, never try to manage it.
    postgres_accepts_test_url && return 0
    fail "PostgreSQL at $TEST_POSTGRES_URL does not accept connections (TEST_POSTGRES_URL points at a remote server; start it there)"
    return 1
  fi

  if ! postgres_ready; then
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
      log "PostgreSQL is not installed; installing it"
      apt_install postgresql postgresql-client || {
        fail "could not install PostgreSQL"
        return 1
      }
    fi
    log "PostgreSQL does not answer on $host:$port; starting it"
    start_local_postgres || {
      fail "PostgreSQL did not start (see /var/log/postgresql/)"
      return 1
    }
  fi

  if ! command -v psql >/dev/null 2>&1; then
    apt_install postgresql-client || {
      fail "psql is missing and postgresql-client could not be installed"
      return 1
    }
  fi
  if ! postgres_accepts_test_url; then
    log "PostgreSQL answers but refuses $TEST_POSTGRES_URL without a password; enabling trust auth on loopback"
    allow_trust_on_loopback || {
      fail "PostgreSQL still refuses $TEST_POSTGRES_URL"
      return 1
    }
  fi
  info "PostgreSQL: $(PGCONNECT_TIMEOUT=5 psql "$TEST_POSTGRES_URL" -w -XAtq -c 'show server_version') at $host:$port"
}

# ───────────────────────────── Redis (optional) ─────────────────────────────
# No test needs Redis yet; it is checked, and started when installed, so the suites
# that arrive with REDIS_URL support find it.

redis_answers() {
  if command -v redis-cli >/dev/null 2>&1; then
    [[ "$(timeout 3 redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" == "PONG" ]]
  else
    tcp_port_open 127.0.0.1 6379
  fi
}

# The agent installer test pipes /install.sh from curl into sh, as a user would.
ensure_installer_tools() {
  if command -v curl >/dev/null 2>&1 && command -v sha256sum >/dev/null 2>&1; then
    info "curl and sha256sum: present (agent installer tests)"
    return 0
  fi
  log "Installing curl and coreutils for the agent installer tests"
  apt_install curl coreutils ca-certificates || return 1
  command -v curl >/dev/null 2>&1
}

# ───────────────────────────── Chromium ─────────────────────────────
# The web app's end-to-end tests drive Debian's Chromium through Playwright
# (packages/web/playwright.config.ts points at /usr/bin/chromium; no browser download).

CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"

chromium_runs() {
  [[ -x "$CHROMIUM_PATH" ]] && "$CHROMIUM_PATH" --headless --no-sandbox --disable-gpu --version >/dev/null 2>&1
}

ensure_chromium() {
  if chromium_runs; then
    info "Chromium: $("$CHROMIUM_PATH" --version 2>/dev/null) (web end-to-end tests)"
    return 0
  fi
  log "Installing Chromium for the web end-to-end tests"
  apt_install chromium fonts-liberation || return 1
  chromium_runs || {
    fail "Chromium was installed but $CHROMIUM_PATH --version does not run"
    return 1
  }
}

ensure_redis() {
  redis_answers && {
    info "Redis: answers at 127.0.0.1:6379"
    return 0
  }
  if ! command -v redis-server >/dev/null 2>&1; then
    fail "Redis is not installed (Debian package redis-server)"
    return 1
  fi
  log "Redis does not answer on 127.0.0.1:6379; starting it"
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/infrapilot-tests.log || return 1
  wait_until 10 redis_answers
}

# ───────────────────────────── Docker ─────────────────────────────
# The container tests drive a real Docker Engine (Debian's docker.io). No registry is
# reachable, so the one image they run is made here from busybox-static with
# `docker import` (no builder needed). docker-compose (Debian's, v1) brings the stack tests.

DOCKER_TEST_IMAGE="${DOCKER_TEST_IMAGE:-infrapilot-test/busybox:latest}"
DOCKERD_LOG="${DOCKERD_LOG:-/var/log/infrapilot-dockerd.log}"

docker_answers() {
  command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1
}

# True when a container starts on the default bridge network, as the tests' containers do.
docker_runs_containers() {
  timeout 60 docker run --rm --label infrapilot.test=1 "$DOCKER_TEST_IMAGE" true >/dev/null 2>&1
}

stop_dockerd() {
  local pid
  pid="$(cat /var/run/docker.pid 2>/dev/null)" || return 0
  as_root kill "$pid" 2>/dev/null || return 0
  local i
  for ((i = 0; i < 30; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 1
  done
  fail "dockerd (pid $pid) did not stop"
  return 1
}

start_dockerd() {
  # A daemon left half-started (its pid file) would refuse to start again.
  if [[ -f /var/run/docker.pid ]] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    as_root rm -f /var/run/docker.pid
  fi
  info "dockerd --storage-driver=vfs (log: $DOCKERD_LOG)"
  # vfs needs no kernel overlay support, which a container-in-a-sandbox rarely has.
  as_root sh -c 'nohup dockerd --storage-driver=vfs >>"$1" 2>&1 &' sh "$DOCKERD_LOG" || return 1
  wait_until 30 docker_answers
}

# Builds the test image: busybox-static and its applet links, nothing else.
build_docker_test_image() {
  local rootfs
  rootfs="$(mktemp -d)"
  mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc" "$rootfs/root"
  cp /bin/busybox "$rootfs/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [[ "$applet" == busybox ]] || ln -sf busybox "$rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  chmod 1777 "$rootfs/tmp"
  info "docker import -> $DOCKER_TEST_IMAGE"
  tar -C "$rootfs" -c . | as_root docker import -c 'ENV PATH=/bin' -c 'CMD ["sh"]' - "$DOCKER_TEST_IMAGE" >/dev/null
  local status=$?
  rm -rf "$rootfs"
  return "$status"
}

ensure_docker() {
  local packages=()
  command -v dockerd >/dev/null 2>&1 || packages+=(docker.io)
  [[ -x /bin/busybox ]] && /bin/busybox --list 2>/dev/null | grep -qx sh || packages+=(busybox-static)
  command -v docker-compose >/dev/null 2>&1 || packages+=(docker-compose)
  if ((${#packages[@]} > 0)); then
    log "Installing ${packages[*]} for the container tests"
    apt_install "${packages[@]}" || return 1
  fi
  if ! docker_answers; then
    log "No Docker Engine answers; starting dockerd"
    start_dockerd || {
      fail "dockerd did not start (see $DOCKERD_LOG)"
      return 1
    }
  fi
  if ! docker image inspect "$DOCKER_TEST_IMAGE" >/dev/null 2>&1; then
    build_docker_test_image || {
      fail "could not build the test image $DOCKER_TEST_IMAGE"
      return 1
    }
  fi
  # A daemon can answer and still fail every container: its bridge (docker0) deleted
  # under it, say. Restarting it makes the bridge again.
  if ! docker_runs_containers; then
    log "Docker answers but cannot start a container; restarting dockerd"
    stop_dockerd && start_dockerd && docker_runs_containers || {
      fail "Docker still cannot start a container (see $DOCKERD_LOG)"
      return 1
    }
  fi
  info "Docker: engine $(docker version --format '{{.Server.Version}}' 2>/dev/null), test image $DOCKER_TEST_IMAGE"
}

# ───────────────────────────── nginx ─────────────────────────────
# The proxy tests run their own nginx instances (own config, loopback ports chosen by the
# test); the system service is neither needed nor touched.

NGINX_PATH=/usr/sbin/nginx

nginx_runs() {
  [[ -x "$NGINX_PATH" ]] && "$NGINX_PATH" -v >/dev/null 2>&1
}

ensure_nginx() {
  if ! nginx_runs; then
    log "Installing nginx for the reverse proxy tests"
    # Without an init system the package's own start is skipped; with one it starts the
    # stock site on port 80, which the tests do not use.
    apt_install nginx || return 1
    nginx_runs || {
      fail "nginx was installed but $NGINX_PATH -v does not run"
      return 1
    }
  fi
  info "nginx: $("$NGINX_PATH" -v 2>&1 | sed 's/^nginx version: //') (proxy tests run their own instances)"
}

# ───────────────────────────── pebble ─────────────────────────────
# Let's Encrypt's ACME test server and its DNS/challenge companion, for certificate issuance
# tests; each test starts its own on free ports.

ensure_pebble() {
  if ! command -v pebble >/dev/null 2>&1 || ! command -v pebble-challtestsrv >/dev/null 2>&1; then
    log "Installing pebble (ACME test server) for the certificate tests"
    apt_install pebble || return 1
  fi
  command -v pebble >/dev/null 2>&1 && command -v pebble-challtestsrv >/dev/null 2>&1 || {
    fail "pebble was installed but pebble or pebble-challtestsrv is not on PATH"
    return 1
  }
  info "pebble: $(dpkg-query -W -f '${Version}' pebble 2>/dev/null || echo installed) (ACME tests start their own)"
}

# ───────────────────────────── main ─────────────────────────────

main() {
  local component missing_required=() missing_optional=()
  log "Preparing the system for the tests (${REQUIRED_COMPONENTS[*]}; optional: ${OPTIONAL_COMPONENTS[*]})"
  for component in "${REQUIRED_COMPONENTS[@]}"; do
    "ensure_$component" || missing_required+=("$component")
  done
  for component in "${OPTIONAL_COMPONENTS[@]}"; do
    "ensure_$component" || missing_optional+=("$component")
  done

  if ((${#missing_optional[@]} > 0)); then
    warn "optional components not available: ${missing_optional[*]} (no test needs them yet)"
  fi
  if ((${#missing_required[@]} > 0)); then
    if in_ci; then
      fail "required components are missing and could not be set up: ${missing_required[*]} (CI is set, so this fails the run)"
      exit 1
    fi
    warn "required components are missing: ${missing_required[*]} — the suites that need them will fail. Run this script as root to set them up."
    return 0
  fi
  log "System ready"
}

main "$@"
