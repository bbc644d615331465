# Sourced by the other scripts: puts the repo's own runtimes first on PATH and
# fails loudly when one is missing (npm install fetches all three).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$root/node_modules/.bin:$PATH"
for bin in deno bun node tsc; do
  if [ ! -x "$root/node_modules/.bin/$bin" ]; then
    echo "error: $bin is missing from node_modules/.bin: run 'npm install' first" >&2
    exit 1
  fi
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 24 ]; then
  echo "error: node $node_major found, node >= 24 required (npm install provides it)" >&2
  exit 1
fi
cd "$root"
