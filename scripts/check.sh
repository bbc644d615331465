#!/usr/bin/env bash
# Type checks, lint, format and the publish dry run (`npm run check`); the
# test command runs these after the suites.
set -u
source "$(dirname "$0")/env.sh"
source "$(dirname "$0")/_step.sh"
check_steps() {
  step deno-check deno check --quiet mod.ts cluster.ts $(ls tests/*.ts tests/internal/*.ts tests/conformance/*.ts tests/fixtures/*.ts examples/*.ts bench/*.ts 2>/dev/null)
  step tsc tsc -p tsconfig.json
  step deno-lint deno lint --quiet
  # The public modules (deno.json exports) as JSR scores their docs.
  step deno-doc-lint deno doc --lint --quiet $(node -p 'Object.values(require("./deno.json").exports).join(" ")')
  step package-exports node scripts/package_exports.js
  step deno-fmt deno fmt --check
  step publish-dry-run deno publish --dry-run --allow-dirty --quiet
}
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  check_steps
  finish
fi
