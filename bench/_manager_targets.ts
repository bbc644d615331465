/** The child side of bench/manager_bench.ts: times single-key set and get on a Manager dict. */

import type { DictProxy } from "../mod.ts";

/** Writes set/s and get/s of `calls` calls into `out[0]` and `out[1]`. */
export function setGet(d: DictProxy<string, number>, calls: number, out: Float64Array): void {
  for (let i = 0; i < 1000; i++) {
    d.set("k", i);
    d.get("k");
  }
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) d.set("k", i);
  const t1 = performance.now();
  for (let i = 0; i < calls; i++) d.get("k");
  const t2 = performance.now();
  out[0] = calls / ((t1 - t0) / 1000);
  out[1] = calls / ((t2 - t1) / 1000);
}
