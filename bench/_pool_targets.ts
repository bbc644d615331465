/** Targets for bench/pool_bench.ts (ours); the peers' copies are in _peer_worker.mjs. */

export function square(x: number): number {
  return x * x;
}

/** CPU-bound work of about 10 ms: a sum no engine folds away. */
export function cpu(n: number): number {
  let s = 0;
  for (let i = 0; i < 6_000_000; i++) s = (s + ((i * n) ^ (i >>> 3))) % 1_000_003;
  return s;
}
