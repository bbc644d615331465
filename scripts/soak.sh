#!/usr/bin/env bash
# The full soak test (tests/soak.ts) under Deno, Bun and Node in turn: each
# prints its memory figures and fails past the bound the README states.
set -u
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
status=0
echo "=== deno"
deno run -A --v8-flags=--expose-gc tests/soak.ts || status=1
echo "=== bun"
bun tests/soak.ts || status=1
echo "=== node"
node --expose-gc tests/soak.ts || status=1
exit $status
