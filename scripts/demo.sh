#!/usr/bin/env bash
# Runs every program in examples/ under Deno, Bun and Node and prints its
# output, headed by the runtime's name. Exits non-zero if any run fails.
set -u
source "$(dirname "$0")/env.sh"
failed=()
for file in examples/*.ts; do
  for rt in deno bun node; do
    echo "=== $rt: $file"
    case $rt in
      deno) cmd=(deno run -A "$file") ;;
      bun) cmd=(bun "$file") ;;
      node) cmd=(node "$file") ;;
    esac
    if ! timeout 120 "${cmd[@]}" </dev/null; then failed+=("$rt:$file"); echo "--- FAILED"; fi
    echo
  done
done
if [ ${#failed[@]} -gt 0 ]; then echo "FAILED: ${failed[*]}"; exit 1; fi
echo "all examples ran under deno, bun and node"
