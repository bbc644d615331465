# Sourced by test.sh and check.sh: runs named steps, records failures and
# how long each took, and `finish` reports them. Every step runs even after
# one fails.
failed=()
times=()

# step NAME COMMAND...: runs one step, its output as it comes, bounded by
# STEP_BOUND seconds (45 minutes).
step() {
  local name=$1; shift
  local start=$SECONDS
  echo
  echo "=== $name: $*"
  local code=0
  timeout --kill-after=30 "${STEP_BOUND:-2700}" "$@" || code=$?
  ended "$name" "$code" "$((SECONDS - start))"
}

# ended NAME CODE SECONDS: says how a step ended and records it.
ended() {
  if [ "$2" -eq 0 ]; then
    echo "=== $1: ok ($3 s)"
  else
    [ "$2" -eq 124 ] && echo "=== $1: still running after ${STEP_BOUND:-2700} s: stopped"
    echo "=== $1: FAILED (exit $2, $3 s)"
    failed+=("$1")
  fi
  times+=("$1 $3 s")
}

# side_by_side NAME1 'COMMAND1' NAME2 'COMMAND2' ...: runs the steps at the
# same time, each command (a string bash runs) bounded by STEP_BOUND
# seconds, and prints each step's output whole, in the order given, once it
# has ended (their outputs would otherwise interleave).
side_by_side() {
  local logs
  logs=$(mktemp -d)
  local names=() pids=() n=0 i
  while [ $# -ge 2 ]; do
    names+=("$1")
    echo "=== $1: $2 (side by side with the others; its output follows once it ends)"
    (
      start=$SECONDS
      timeout --kill-after=30 "${STEP_BOUND:-2700}" bash -c "$2" >"$logs/$n.log" 2>&1 </dev/null
      code=$?
      echo $((SECONDS - start)) >"$logs/$n.time"
      exit $code
    ) &
    pids+=($!)
    n=$((n + 1))
    shift 2
  done
  for i in "${!pids[@]}"; do
    local code=0 took
    wait "${pids[$i]}" || code=$?
    took=$(cat "$logs/$i.time" 2>/dev/null || echo "?")
    echo
    echo "=== ${names[$i]}: output"
    cat "$logs/$i.log"
    ended "${names[$i]}" "$code" "$took"
  done
  rm -rf "$logs"
}

finish() {
  echo
  if [ ${#times[@]} -gt 0 ]; then
    echo "step times: $(IFS=,; echo "${times[*]}" | sed 's/,/, /g')"
  fi
  if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED: ${failed[*]}"
    exit 1
  fi
  echo "all steps passed under deno $(deno --version | head -1 | cut -d' ' -f2), bun $(bun --version), node $(node --version)"
}
