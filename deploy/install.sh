#!/bin/sh
# InfraPilot agent installer.
#
#   curl -fsSL https://infrapilot.example.com/install.sh | sh -s -- --token ipe_... --ca-hash sha256:...
#
# This file is the template: the control plane serves it at /install.sh with the
# @@...@@ values below filled in (its public URL, its agent gRPC URL and the checksum
# of the agent it serves). Get the exact command from `infrapilot agents add <name>`.
#
# It installs the single-file agent (Node.js >= 22 required) as
# <prefix>/lib/infrapilot/agent.js with a wrapper <prefix>/bin/infrapilot-agent, joins
# the control plane with the single-use token, then runs the agent: as the systemd
# service infrapilot-agent when systemd is present, otherwise in the background.
set -eu

# Filled in by the control plane, each as one single-quoted shell word.
PUBLIC_URL=@@PUBLIC_URL@@
DEFAULT_SERVER=@@AGENT_SERVER_URL@@
AGENT_SHA256=@@AGENT_SHA256@@

# Byte-wise character classes in the grammar checks below, whatever the host's locale.
LC_ALL=C
export LC_ALL
umask 022

MIN_NODE_MAJOR=22
UNIT_PATH=/etc/systemd/system/infrapilot-agent.service

say() { printf 'infrapilot: %s\n' "$*"; }
die() {
  printf 'infrapilot: error: %s\n' "$*" >&2
  exit 1
}

usage() {
  cat <<'EOF'
Installs the InfraPilot agent and joins it to the control plane.

Usage: sh install.sh --token <ipe_...> --ca-hash <sha256:hex> [options]

  --token <token>       single-use enrollment token (from `infrapilot agents add`)
  --ca-hash <hash>      sha256:<64 hex> of the control plane CA certificate
  --server <url>        the control plane gRPC URL (default: the one this script names)
  --org <id>            refuse a token that belongs to another organization
  --state-dir <dir>     where the agent keeps its identity (default /var/lib/infrapilot)
  --prefix <dir>        install under <dir>/lib/infrapilot and <dir>/bin (default /usr/local)
  --force               replace an identity already in the state dir
  --no-systemd          do not install a systemd unit, even where systemd runs
  --no-start            install and join, but do not start the agent
  -h, --help            show this help
EOF
}

# The grammar every value must match before it is used. Values only ever reach commands
# as quoted arguments, but paths also go into a systemd unit, where spaces, quotes and
# "%" mean something: only plain characters pass.
valid_token() {
  case $1 in ipe_?*) ;; *) return 1 ;; esac
  case ${1#ipe_} in *[!A-Za-z0-9_-]*) return 1 ;; esac
  [ "${#1}" -le 200 ]
}

valid_ca_hash() {
  case $1 in sha256:*) ;; *) return 1 ;; esac
  hex=${1#sha256:}
  [ "${#hex}" -eq 64 ] || return 1
  case $hex in *[!0-9a-f]*) return 1 ;; esac
}

# https://host or https://host:port; the host a name, an IPv4 or a bracketed IPv6 address.
valid_server() {
  case $1 in https://?*) ;; *) return 1 ;; esac
  authority=${1#https://}
  case $authority in *[!A-Za-z0-9.:\[\]-]*) return 1 ;; esac
  [ "${#1}" -le 300 ]
}

valid_org() {
  case $1 in '' | *[!A-Za-z0-9_-]*) return 1 ;; esac
  [ "${#1}" -le 64 ]
}

valid_path() {
  case $1 in /*) ;; *) return 1 ;; esac
  case $1 in *[!A-Za-z0-9._/+-]*) return 1 ;; esac
  case /$1/ in */./* | */../*) return 1 ;; esac
  [ "${#1}" -le 1024 ]
}

valid_url() {
  case $1 in http://?* | https://?*) ;; *) return 1 ;; esac
  case $1 in *[!A-Za-z0-9._~:/@%+=,-]*) return 1 ;; esac
}

# Prints the sha256 of a file as bare hex.
sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  else
    "$node_bin" -e 'const { createHash } = require("node:crypto"); process.stdout.write(createHash("sha256").update(require("node:fs").readFileSync(process.argv[1])).digest("hex"))' "$1"
  fi
}

download() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1"
  else
    die "curl or wget is needed to download the agent"
  fi
}

require_value() {
  [ "$2" -ge 2 ] || die "$1 needs a value (see --help)"
}

main() {
  token=''
  ca_hash=''
  server=$DEFAULT_SERVER
  org=''
  state_dir=/var/lib/infrapilot
  prefix=/usr/local
  force=no
  use_systemd=yes
  start=yes

  while [ $# -gt 0 ]; do
    case $1 in
      --token) require_value "$1" $#; token=$2; shift 2 ;;
      --token=*) token=${1#*=}; shift ;;
      --ca-hash) require_value "$1" $#; ca_hash=$2; shift 2 ;;
      --ca-hash=*) ca_hash=${1#*=}; shift ;;
      --server) require_value "$1" $#; server=$2; shift 2 ;;
      --server=*) server=${1#*=}; shift ;;
      --org) require_value "$1" $#; org=$2; shift 2 ;;
      --org=*) org=${1#*=}; shift ;;
      --state-dir) require_value "$1" $#; state_dir=$2; shift 2 ;;
      --state-dir=*) state_dir=${1#*=}; shift ;;
      --prefix) require_value "$1" $#; prefix=$2; shift 2 ;;
      --prefix=*) prefix=${1#*=}; shift ;;
      --force) force=yes; shift ;;
      --no-systemd) use_systemd=no; shift ;;
      --no-start) start=no; shift ;;
      -h | --help) usage; exit 0 ;;
      *) die "unknown option \"$1\" (see --help)" ;;
    esac
  done

  case $PUBLIC_URL in
    @@*) die "this is the installer template; run the command \`infrapilot agents add <name>\` prints, which fetches /install.sh from your control plane" ;;
  esac
  [ -n "$token" ] || die "--token is required (get one with \`infrapilot agents add <name>\`)"
  [ -n "$ca_hash" ] || die "--ca-hash is required (it comes with the token)"
  valid_token "$token" || die "--token must be an enrollment token: ipe_ followed by letters, digits, \"_\" or \"-\""
  valid_ca_hash "$ca_hash" || die "--ca-hash must be sha256: followed by 64 lowercase hex digits"
  server=${server%/}
  valid_server "$server" || die "--server must be a bare https://host:port URL (got \"$server\")"
  [ -z "$org" ] || valid_org "$org" || die "--org must be an organization id (letters, digits, \"_\" and \"-\")"
  state_dir=${state_dir%/}
  prefix=${prefix%/}
  valid_path "$state_dir" || die "--state-dir must be an absolute path of letters, digits and ._/+-, without . or .. segments (got \"$state_dir\")"
  valid_path "$prefix" || die "--prefix must be an absolute path of letters, digits and ._/+-, without . or .. segments (got \"$prefix\")"
  valid_url "$PUBLIC_URL" || die "this script names an invalid control plane URL; download it again from your control plane"
  if [ -n "$AGENT_SHA256" ]; then
    case $AGENT_SHA256 in *[!0-9a-f]*) die "this script names an invalid agent checksum; download it again" ;; esac
    [ "${#AGENT_SHA256}" -eq 64 ] || die "this script names an invalid agent checksum; download it again"
  fi

  node_bin=$(command -v node 2>/dev/null) || die "Node.js >= $MIN_NODE_MAJOR is required and \`node\` is not on PATH; install it (https://nodejs.org/en/download) and run this again"
  node_version=$("$node_bin" -p 'process.versions.node' 2>/dev/null) || die "$node_bin does not run; Node.js >= $MIN_NODE_MAJOR is required"
  node_major=${node_version%%.*}
  case $node_major in '' | *[!0-9]*) die "cannot tell the version of $node_bin (\"$node_version\")" ;; esac
  [ "$node_major" -ge "$MIN_NODE_MAJOR" ] || die "Node.js >= $MIN_NODE_MAJOR is required; $node_bin is $node_version. Upgrade Node.js and run this again"
  valid_path "$node_bin" || die "the path of node ($node_bin) holds characters a systemd unit cannot carry; put node somewhere plainer"

  with_systemd=no
  if [ "$use_systemd" = yes ] && [ -d /run/systemd/system ]; then
    with_systemd=yes
    [ "$(id -u)" -eq 0 ] || die "installing the systemd service needs root: pipe into \`sudo sh -s -- ...\`, or pass --no-systemd with a --prefix and --state-dir you can write"
  fi

  lib_dir=$prefix/lib/infrapilot
  bin_dir=$prefix/bin
  agent_js=$lib_dir/agent.js
  work_dir=$(mktemp -d)
  trap 'rm -rf "$work_dir"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  agent_url=${PUBLIC_URL%/}/downloads/agent.js
  say "downloading the agent from $agent_url"
  download "$agent_url" "$work_dir/agent.js" ||
    die "could not download $agent_url (the control plane answers 404 when its agent bundle is not built: run \`npm run build\` there)"
  if [ -n "$AGENT_SHA256" ]; then
    actual=$(sha256_of "$work_dir/agent.js")
    [ "$actual" = "$AGENT_SHA256" ] ||
      die "the downloaded agent's sha256 is $actual, this script expected $AGENT_SHA256; nothing was installed. Fetch install.sh again (the agent may have been rebuilt meanwhile)"
  else
    say "warning: the control plane named no checksum for the agent; it is installed unverified"
  fi

  mkdir -p "$lib_dir" "$bin_dir" || die "cannot create $lib_dir and $bin_dir: run as root, or choose a --prefix you can write"
  # The bundle is ESM; this makes every Node >= 22 load it as such, detection or not.
  printf '{ "type": "module" }\n' >"$lib_dir/package.json"
  # Renamed into place, so an agent running from the old file is never half overwritten.
  cp "$work_dir/agent.js" "$agent_js.new"
  chmod 0644 "$agent_js.new"
  mv -f "$agent_js.new" "$agent_js"
  printf '#!/bin/sh\nexec %s %s "$@"\n' "$node_bin" "$agent_js" >"$bin_dir/infrapilot-agent.new"
  chmod 0755 "$bin_dir/infrapilot-agent.new"
  mv -f "$bin_dir/infrapilot-agent.new" "$bin_dir/infrapilot-agent"
  say "installed $agent_js and $bin_dir/infrapilot-agent"

  set -- join --server "$server" --token "$token" --ca-hash "$ca_hash" --state-dir "$state_dir"
  [ -z "$org" ] || set -- "$@" --org "$org"
  [ "$force" = no ] || set -- "$@" --force
  say "joining $server"
  "$node_bin" "$agent_js" "$@" || die "joining the control plane failed (see above); the agent is installed but not enrolled"

  run_command="$bin_dir/infrapilot-agent run --state-dir $state_dir"
  if [ "$with_systemd" = yes ]; then
    cat >"$UNIT_PATH.new" <<EOF
# Written by the InfraPilot installer.
[Unit]
Description=InfraPilot agent
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart=$node_bin $agent_js run --state-dir $state_dir
Restart=always
RestartSec=5
# 78: the control plane removed this agent; restarting cannot help.
RestartPreventExitStatus=78

[Install]
WantedBy=multi-user.target
EOF
    mv -f "$UNIT_PATH.new" "$UNIT_PATH"
    systemctl daemon-reload
    if [ "$start" = yes ]; then
      # restart, not start: a re-install replaces an agent that is already running.
      systemctl enable infrapilot-agent.service
      systemctl restart infrapilot-agent.service
      say "the agent runs as the systemd service infrapilot-agent (journalctl -u infrapilot-agent -f)"
    else
      systemctl enable infrapilot-agent.service
      say "installed the systemd service infrapilot-agent; start it with: systemctl start infrapilot-agent"
    fi
    return 0
  fi

  say "start the agent with: $run_command"
  [ "$start" = yes ] || return 0
  pid_file=$state_dir/agent.pid
  log_file=$state_dir/agent.log
  if [ -f "$pid_file" ]; then
    old_pid=$(cat "$pid_file")
    case $old_pid in
      '' | *[!0-9]*) ;;
      *) if kill -0 "$old_pid" 2>/dev/null; then
        say "stopping the agent started earlier (pid $old_pid)"
        kill "$old_pid" || true
      fi ;;
    esac
  fi
  nohup "$node_bin" "$agent_js" run --state-dir "$state_dir" </dev/null >>"$log_file" 2>&1 &
  agent_pid=$!
  printf '%s\n' "$agent_pid" >"$pid_file"
  sleep 1
  if ! kill -0 "$agent_pid" 2>/dev/null; then
    tail -n 5 "$log_file" >&2 || true
    die "the agent stopped right after starting; see $log_file"
  fi
  say "the agent runs in the background (pid $agent_pid, log $log_file); no systemd here, so it will not come back after a reboot by itself"
}

# Everything runs from main at the very end, so a download cut short runs nothing.
main "$@"
