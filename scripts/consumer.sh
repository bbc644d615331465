#!/usr/bin/env bash
# The package as its users get it. Packs it (`npm pack`, which builds the
# npm shape), installs the tarball into a new project outside the
# repository and runs scripts/consumer/app.ts there, importing
# `@tsmp/multiprocessing` by name, under Node, Bun and Deno (through
# node_modules), and the README's first program as written; runs the
# package's `tsmp-worker` command; type-checks
# app.ts with tsc under strict flags against the published .d.ts and runs
# tsc's app.js under Node; imports every subpath; checks that single-file
# executables refuse processes with the documented message. Then a Deno
# project uses the sources through an import map and through a relative
# path. Prints one line per run; exits non-zero, after trying them all, if
# any fails.
set -u
source "$(dirname "$0")/env.sh"
failed=()
run() {
  local what=$1; shift
  local out
  if out=$(timeout 180 "$@" </dev/null 2>&1) && grep -q "^consumer program ok" <<<"$out"; then
    echo "consumer: $what: ok"
  else
    echo "consumer: $what: FAILED"
    echo "$out" | sed 's/^/    /'
    failed+=("$what")
  fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
templates="$root/scripts/consumer"

tarball=$(npm pack --silent --pack-destination "$tmp" 2>"$tmp/pack.log" | tail -1)
if [ -z "$tarball" ] || [ ! -f "$tmp/$tarball" ]; then
  echo "consumer: npm pack: FAILED"
  sed 's/^/    /' "$tmp/pack.log"
  exit 1
fi
echo "consumer: packed $tarball ($(tar tzf "$tmp/$tarball" | wc -l) files)"
# The tarball holds the build, the readme and the licence, nothing else.
extra=$(tar tzf "$tmp/$tarball" | grep -v -E '^package/(dist/.*|package\.json|README\.md|LICENSE)$')
if [ -n "$extra" ]; then
  echo "consumer: tarball contents: FAILED, unexpected files:"
  echo "$extra" | sed 's/^/    /'
  failed+=("tarball contents")
fi

# The npm project: the package installed by name from the tarball. Its
# dependencies (the cluster's NATS client) come from npm's cache when it has
# them, else from the registry: a fresh machine's `npm install` from the
# lockfile caches their tarballs but not the registry's listings that
# resolving the tarball's version ranges needs, so `--offline` fails there.
app="$tmp/npm-app"
mkdir -p "$app"
cp "$templates/app.ts" "$templates/subpaths.js" "$templates/tsconfig.json" "$app/"
# Made as the README says: an ES module project.
(cd "$app" && npm init -y >/dev/null && npm pkg set type=module)
if ! out=$(cd "$app" && npm install --prefer-offline --no-audit --no-fund "$tmp/$tarball" 2>&1); then
  echo "consumer: npm install of the tarball: FAILED"
  echo "$out" | tail -20 | sed 's/^/    /'
  exit 1
fi
run "node app.ts (npm install)" bash -c "cd '$app' && node app.ts"
run "bun app.ts (npm install)" bash -c "cd '$app' && bun app.ts"
run "deno app.ts (npm install)" bash -c "cd '$app' && deno run -A app.ts"
# The README's first program, as written, in the same project.
awk '/^## A first program/ { f = 1 } f && /^```ts/ { c = 1; next } c && /^```/ { exit } c' \
  "$root/README.md" >"$app/first.ts"
first_program() {
  local what=$1 out code; shift
  out=$(cd "$app" && timeout 180 "$@" </dev/null 2>&1)
  code=$?
  if [ "$code" -eq 0 ] && [ "$(sort -n <<<"$out" | tr '\n' ' ')" = "1 4 9 " ]; then
    echo "consumer: $what: ok"
  else
    echo "consumer: $what: FAILED (exit $code, expected 1, 4 and 9)"
    echo "$out" | sed 's/^/    /'
    failed+=("$what")
  fi
}
first_program "node first.ts (the README's first program)" node first.ts
first_program "bun first.ts (the README's first program)" bun first.ts
first_program "deno first.ts (the README's first program)" deno run -A first.ts
run "node subpaths.js (every deno.json export, by name)" \
  bash -c "cd '$app' && node subpaths.js '$root/deno.json'"
# A command in the app that must end with exit code `want` ("non-zero":
# any but 0) and print a line matching `pattern`.
ends_with() {
  local what=$1 want=$2 pattern=$3 out code
  shift 3
  out=$(cd "$app" && timeout 120 "$@" </dev/null 2>&1)
  code=$?
  if { [ "$want" = non-zero ] && [ "$code" -ne 0 ] || [ "$code" = "$want" ]; } &&
    grep -q "$pattern" <<<"$out"; then
    echo "consumer: $what: ok"
  else
    echo "consumer: $what: FAILED (exit $code, expected $want and a line matching: $pattern)"
    echo "$out" | sed 's/^/    /'
    failed+=("$what")
  fi
}
# The package's command, as npm installed it: it runs as a command (a bad
# flag gets the usage and exit code 2), while importing its module (above)
# runs nothing.
ends_with "npx tsmp-worker (the package's command)" 2 "^usage: tsmp-worker" \
  npx --no-install tsmp-worker --no-such-flag
# The consumer's tsc sees the published .d.ts (skipLibCheck false) and, for
# console and import.meta.main, Node's types from this repository. It writes
# build/app.js, the same program as plain JavaScript, which Node then runs.
if out=$(cd "$app" && timeout 300 tsc -p tsconfig.json --typeRoots "$root/node_modules/@types" 2>&1); then
  echo "consumer: tsc --strict --noUncheckedIndexedAccess --exactOptionalPropertyTypes (no DOM, no skipLibCheck): ok"
else
  echo "consumer: tsc of the consumer: FAILED"
  echo "$out" | sed 's/^/    /'
  failed+=("tsc")
fi
run "node build/app.js (tsc's output of app.ts)" bash -c "cd '$app' && node build/app.js"

# Single-file executables cannot hold files a worker loads: a process in
# one must fail at start() with the message that says what to do.
refused() {
  ends_with "$1: refuses processes at start() with the message, as documented" non-zero \
    "Cannot start a process: this program was made a single-file executable" "$2"
}
if (cd "$app" && timeout 300 bun build --compile app.ts --outfile app-bun >"$tmp/bun-compile.log" 2>&1); then
  refused "bun build --compile" ./app-bun
else
  echo "consumer: bun build --compile: FAILED to build"
  sed 's/^/    /' "$tmp/bun-compile.log"
  failed+=("bun build --compile")
fi
# deno compile needs denort, which it downloads; without a network it stops.
if (cd "$app" && NO_COLOR=1 timeout 300 deno compile --no-check -A -o app-deno app.ts >"$tmp/deno-compile.log" 2>&1); then
  refused "deno compile" ./app-deno
elif grep -q "denort" "$tmp/deno-compile.log"; then
  echo "consumer: deno compile: skipped, it could not download its runtime (denort) here"
else
  echo "consumer: deno compile: FAILED to build"
  sed 's/^/    /' "$tmp/deno-compile.log"
  failed+=("deno compile")
fi

# A Deno project that uses the sources: through an import map, and by a
# relative path.
deno_app="$tmp/deno-app"
mkdir -p "$deno_app"
rel=$(node -p 'require("node:path").relative(process.argv[1], process.argv[2])' "$deno_app" "$root")
echo "{ \"imports\": { \"@tsmp/multiprocessing\": \"./$rel/mod.ts\" } }" >"$deno_app/deno.json"
cp "$templates/app.ts" "$deno_app/app.ts"
sed "s#\"@tsmp/multiprocessing\"#\"./$rel/mod.ts\"#" "$templates/app.ts" >"$deno_app/relative.ts"
run "deno app.ts (import map)" bash -c "cd '$deno_app' && deno run -A app.ts"
run "deno relative.ts (relative path)" bash -c "cd '$deno_app' && deno run -A relative.ts"

if [ ${#failed[@]} -gt 0 ]; then
  echo "consumer FAILED: ${failed[*]}"
  exit 1
fi
echo "consumer: the packed package works by name under node, bun and deno"
