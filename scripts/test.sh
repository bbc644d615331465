#!/usr/bin/env bash
# The whole suite: tests under Deno, Bun and Node, then type checks, lint,
# format and the publish dry run. Exits non-zero if any step fails, after
# running them all.
set -u
source "$(dirname "$0")/check.sh"
files=$(ls tests/*_test.ts tests/internal/*_test.ts tests/conformance/*_test.ts)
cat <<'NOTE'
Note: many tests make a child fail on purpose, and the child prints its traceback
("Process Process-N:" and a stack) as Python does. Those tracebacks are expected;
a failing test is reported by the test runner itself (and this script's summary).
NOTE
if ! command -v nats-server >/dev/null 2>&1; then
  echo "!!! nats-server is not on PATH: the ClusterPool tests are SKIPPED (apt-get install nats-server) !!!"
fi
# Deno would type-check every worker it starts; types are checked below.
step deno-test deno test -A --no-check --quiet tests/
step bun-test bun test --timeout 60000 $(for f in $files; do echo "./$f"; done)
step node-test node --test --test-concurrency=1 --test-timeout=120000 $files
# The packed package, installed by name into a new project (scripts/consumer.sh).
step consumer bash scripts/consumer.sh
check_steps
finish
