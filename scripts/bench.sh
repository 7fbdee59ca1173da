#!/usr/bin/env bash
# `npm run bench [-- --quick] [name...]`: installs dependencies when needed, builds, makes
# sure the Docker Engine the log-streaming scenario drives (and the PostgreSQL the fan-in
# scenario uses) answer, then runs bench/run.mjs on the project's own Node 24.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ROOT"

ensure_dependencies
NODE="$(node24)"
build_all

# scripts/setup-system.sh is idempotent but slow to check everything: run it only when
# something the benches need does not answer. It warns (and returns 0) when it cannot fix
# a component without root; the scenario that needs it then reports its error.
postgres_url="${BENCH_POSTGRES_URL:-${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}"
postgres_answers() {
  command -v psql >/dev/null 2>&1 && PGCONNECT_TIMEOUT=5 psql "$postgres_url" -w -XAtq -c 'select 1' >/dev/null 2>&1
}
if ! timeout 10 docker info >/dev/null 2>&1 || ! postgres_answers; then
  log "Docker or PostgreSQL does not answer; preparing the system (scripts/setup-system.sh)"
  bash "$ROOT/scripts/setup-system.sh" || warn "scripts/setup-system.sh failed; the scenarios that need Docker or PostgreSQL will report errors"
fi

log "Benchmarks ($("$NODE" --version)): bench/run.mjs${*:+ $*}"
exec "$NODE" bench/run.mjs "$@"
