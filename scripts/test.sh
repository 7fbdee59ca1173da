#!/usr/bin/env bash
# `npm test` and CI's one entry point (DESIGN.md §9): installs dependencies, makes sure
# the system services the tests use are running, typechecks and builds every package,
# then runs every vitest suite on the project's Node 24, then the browser suite
# (Playwright driving Debian's Chromium against a real `infrapilot up`). Extra arguments
# go to vitest and skip the browser suite (npm test -- packages/server/src/modules/auth).
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

# The browser suite needs the built web app and CLI (built above) and Debian's Chromium
# (setup-system.sh). It runs unless vitest was given a narrower selection.
e2e_status=0
if [[ $# -eq 0 || "${INFRAPILOT_E2E:-}" == "1" ]]; then
  log "Running the browser suite (Playwright with $(/usr/bin/chromium --version 2>/dev/null || echo 'chromium missing'))"
  (cd "$ROOT/packages/web" && "$ROOT/node_modules/.bin/playwright" test) || e2e_status=$?
  "$NODE" -e '
    const fs = require("node:fs");
    const file = process.argv[1];
    if (!fs.existsSync(file)) { console.log("playwright: no report"); process.exit(0); }
    const s = JSON.parse(fs.readFileSync(file, "utf8")).stats ?? {};
    console.log(`playwright: ${s.expected ?? 0} passed, ${s.unexpected ?? 0} failed, ${s.skipped ?? 0} skipped, ${s.flaky ?? 0} flaky`);
  ' "$ROOT/test-results/playwright-report.json" || true
fi
((status != 0)) && exit "$status"
exit "$e2e_status"
