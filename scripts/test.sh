#!/usr/bin/env bash
# `npm test` and CI's one entry point (DESIGN.md §9): installs dependencies, makes sure
# the system services the tests use are running, typechecks and builds every package,
# then runs every vitest suite on the project's Node 24. Extra arguments go to vitest
# (npm test -- packages/server/src/modules/auth).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ROOT"

export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

ensure_dependencies
NODE="$(node24)"
# Run directly (bash scripts/test.sh) PATH may lack node_modules/.bin; vitest's and tsc's
# `#!/usr/bin/env node` must find Node 24, not the machine's.
export PATH="$ROOT/node_modules/.bin:$PATH"
hash -r

log "Setting up system services (scripts/setup-system.sh)"
bash "$ROOT/scripts/setup-system.sh"

build_all
log "Type-checking every package with its tests (npm run typecheck)"
npm run typecheck --silent || die "the type check failed (see the TypeScript errors above)"

# Besides the usual output, a JSON report gives one plain closing line
# ("vitest: N passed, N failed, N skipped") for whoever reads the log's last lines.
report_args=()
report=""
if [[ " $* " != *" --reporter"* ]]; then
  report="$(mktemp -t infrapilot-vitest-XXXXXX.json)"
  report_args=(--reporter=default --reporter=json "--outputFile.json=$report")
fi

log "Running the test suites on Node $("$NODE" --version) (vitest run${*:+ $*})"
status=0
"$ROOT/node_modules/.bin/vitest" run "${report_args[@]}" "$@" || status=$?

if [[ -n "$report" && -s "$report" ]]; then
  "$NODE" -e '
    const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    const broken = (r.testResults ?? []).filter((f) => f.status === "failed" && !f.assertionResults?.some((a) => a.status === "failed"));
    for (const file of broken) console.log(`failed to run: ${file.name}`);
    console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  ' "$report" || true
fi
[[ -n "$report" ]] && rm -f "$report"
exit "$status"
