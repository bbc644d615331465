#!/usr/bin/env bash
# The whole suite: tests under Deno, Bun and Node, then type checks, lint,
# format and the publish dry run. Exits non-zero if any step fails, after
# running them all.
set -u
source "$(dirname "$0")/env.sh"
files=$(ls tests/*_test.ts)
failed=()
step() {
  local name=$1; shift
  echo
  echo "=== $name: $*"
  if "$@"; then echo "=== $name: ok"; else echo "=== $name: FAILED"; failed+=("$name"); fi
}
step deno-test deno test -A --no-check --quiet tests/
step bun-test bun test --timeout 60000 $(for f in $files; do echo "./$f"; done)
step node-test node --test --test-concurrency=1 --test-timeout=120000 $files
step deno-check deno check --quiet mod.ts $(ls tests/*.ts tests/fixtures/*.ts examples/*.ts bench/*.ts 2>/dev/null)
step tsc tsc -p tsconfig.json
step deno-lint deno lint --quiet
step deno-fmt deno fmt --check
step publish-dry-run deno publish --dry-run --allow-dirty --quiet
echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all steps passed under deno $(deno --version | head -1 | cut -d' ' -f2), bun $(bun --version), node $(node --version)"
