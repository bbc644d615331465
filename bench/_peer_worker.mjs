// The peers' worker for bench/pool_bench.ts (piscina and tinypool call the
// export named in `run(..., { name })`): the same work as _pool_targets.ts,
// one item per call or a chunk of items per call.
export function square(x) {
  return x * x;
}

export function countA(s) {
  let n = 0;
  for (let i = s.indexOf("a"); i !== -1; i = s.indexOf("a", i + 1)) n++;
  return n;
}

export function score(r) {
  return r.score * 2;
}

export function squareChunk(xs) {
  return xs.map(square);
}

export function mulChunk(pairs) {
  return pairs.map(([a, b]) => a * b);
}

export function countAChunk(xs) {
  return xs.map(countA);
}

export function scoreChunk(xs) {
  return xs.map(score);
}

export function cpu(n) {
  let s = 0;
  for (let i = 0; i < 6_000_000; i++) {
    s = (s + ((i * n) ^ (i >>> 3))) % 1_000_003;
  }
  return s;
}

export default square;
