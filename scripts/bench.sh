#!/usr/bin/env bash
# Runs every benchmark in bench/ under Deno, Bun and Node (and Python's side
# of each comparison where python3 is on the machine), in one run, then
# prints the figures side by side with their ratios.
#   npm run bench                 all of them
#   npm run bench -- lock queue   only bench/lock_bench.ts, bench/queue_bench.ts
#   npm run bench -- --build process pool   the process and pool benches
#                                 against the npm build (dist/) instead of
#                                 the .ts sources
set -u
source "$(dirname "$0")/env.sh"
if [ -f bench/package.json ] && [ ! -d bench/node_modules ]; then
  npm install --prefix bench --no-audit --no-fund >/dev/null 2>&1 || echo "(bench peers could not be installed)"
fi
results=$(mktemp)
if [ "${1:-}" = "--build" ]; then
  shift
  npm run --silent build || exit 1
  export BENCH_LIB=dist
fi
areas=("$@")
if [ ${#areas[@]} -eq 0 ]; then
  for f in bench/*_bench.ts; do a=${f#bench/}; areas+=("${a%_bench.ts}"); done
fi
for area in "${areas[@]}"; do
  file="bench/${area}_bench.ts"
  [ -f "$file" ] || { echo "no $file" >&2; continue; }
  for rt in deno bun node; do
    echo "running $file under $rt..." >&2
    case $rt in
      deno) cmd=(deno run -A "$file") ;;
      bun) cmd=(bun "$file") ;;
      node) cmd=(node "$file") ;;
    esac
    # Bounded: a run that outlives this is stopped, what it printed is kept
    # (each bench also names any step of its own that stalls, and moves on).
    timeout -k 10 600 "${cmd[@]}" </dev/null | grep '^{' >>"$results"
    rc=${PIPESTATUS[0]}
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
      echo "($rt $file stopped after 600 s: figures so far kept)" >&2
    elif [ "$rc" -ne 0 ]; then
      echo "($rt $file failed with exit code $rc)" >&2
    fi
  done
  if [ -f "bench/python/$area.py" ] && command -v python3 >/dev/null; then
    echo "running bench/python/$area.py..." >&2
    timeout -k 10 600 python3 "bench/python/$area.py" </dev/null | grep '^{' >>"$results" ||
      echo "(python $area failed)" >&2
  fi
done
node bench/report.ts "$results"
rm -f "$results"
