/**
 * Follows the tutorial "멀티프로세싱 1",
 * section "Pool": a pool of two processes maps `worker` over `range(100)`.
 *
 * Python's output: the numbers 0 to 99, one per line, in an order that
 * changes from run to run (each worker prints its chunk: with Python's
 * default chunksize, ceil(100 / (4 * 2)) = 13 numbers per task).
 *
 * Ours: the same. As in Python, the pool is left open: its workers are
 * daemons, so the program still ends once the map is done.
 */

import { Pool } from "../mod.ts";

export function worker(name: number): void {
  console.log(name);
}

if (import.meta.main) {
  // Pool 생성
  const p = new Pool(2);
  await p.map(worker, Array.from({ length: 100 }, (_, i) => i)); // mapping
}
