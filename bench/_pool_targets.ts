/** Targets for bench/pool_bench.ts (ours); the peers' copies are in _peer_worker.mjs. */

export function square(x: number): number {
  return x * x;
}

/** The product of a pair (the starmap figure). */
export function mul(a: number, b: number): number {
  return a * b;
}

/** How many "a"s a string holds (the 1 KiB string figure). */
export function countA(s: string): number {
  let n = 0;
  for (let i = s.indexOf("a"); i !== -1; i = s.indexOf("a", i + 1)) n++;
  return n;
}

/** A record's score, doubled (the object figure). */
export function score(r: { id: number; name: string; score: number }): number {
  return r.score * 2;
}

/** CPU-bound work of about 10 ms: a sum no engine folds away. */
export function cpu(n: number): number {
  let s = 0;
  for (let i = 0; i < 6_000_000; i++) {
    s = (s + ((i * n) ^ (i >>> 3))) % 1_000_003;
  }
  return s;
}
