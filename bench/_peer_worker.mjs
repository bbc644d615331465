// The peers' worker for bench/pool_bench.ts (piscina and tinypool call the
// export named in `run(..., { name })`): the same work as _pool_targets.ts.
export function square(x) {
  return x * x;
}

export function squareChunk(xs) {
  return xs.map(square);
}

export function cpu(n) {
  let s = 0;
  for (let i = 0; i < 6_000_000; i++) s = (s + ((i * n) ^ (i >>> 3))) % 1_000_003;
  return s;
}

export default square;
