#!/usr/bin/env bash
# The whole suite: tests under Deno, Bun and Node, then the packed package's
# consumer test, type checks, lint, format and the publish dry run. Exits
# non-zero if any step fails, after running them all, and prints how long
# each step took.
set -u
source "$(dirname "$0")/env.sh"
source "$(dirname "$0")/_step.sh"
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
# The runtimes' suites run one after another: side by side on two cores,
# the load made timing out more likely than it saved time.
step deno-test deno test -A --no-check --quiet tests/
step bun-test bun test --timeout 60000 $(for f in $files; do echo "./$f"; done)
step node-test node --test --test-concurrency=1 --test-timeout=120000 $files
# The packed package, installed by name into a new project
# (scripts/consumer.sh), beside the type checks, lint, format and the
# publish dry run (scripts/check.sh): neither runs timing-sensitive tests,
# and each mostly keeps one core busy.
side_by_side consumer "bash scripts/consumer.sh" checks "bash scripts/check.sh"
finish
