# Sourced by test.sh and check.sh: runs a named step, records failures, and
# `finish` reports them. Every step runs even after one fails.
failed=()
step() {
  local name=$1; shift
  echo
  echo "=== $name: $*"
  if "$@"; then echo "=== $name: ok"; else echo "=== $name: FAILED"; failed+=("$name"); fi
}
finish() {
  echo
  if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED: ${failed[*]}"
    exit 1
  fi
  echo "all steps passed under deno $(deno --version | head -1 | cut -d' ' -f2), bun $(bun --version), node $(node --version)"
}
