#!/usr/bin/env bash
# `npm start`: installs dependencies when needed, builds, and runs `infrapilot up` on the
# project's own Node 24 with any extra arguments (npm start -- --http-port 9090).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ROOT"

ensure_dependencies
NODE="$(node24)"
build_all

[[ -f packages/cli/dist/main.js ]] || die "packages/cli/dist/main.js is missing after the build"
log "Starting InfraPilot ($("$NODE" --version)): infrapilot up${*:+ $*}"
exec "$NODE" packages/cli/dist/main.js up "$@"
