/**
 * A Manager dict used from a child process: single-key `set` and `get`
 * calls per second, timed by the child itself (process start-up is not
 * counted), one child per round, as bench/python/manager.py does with
 * Python's `Manager().dict()`. Prints JSON lines for bench/report.ts.
 *
 *   deno run -A bench/manager_bench.ts | bun bench/manager_bench.ts | node bench/manager_bench.ts
 *
 * Python's side: bench/python/manager.py.
 */

import { Manager, Process } from "../mod.ts";
import { done, emit, rounds } from "./_stats.ts";
import { setGet } from "./_manager_targets.ts";

const CALLS = 200_000;

if (import.meta.main) {
  const manager = new Manager();
  const d = manager.dict<string, number>();
  const sets: number[] = [];
  const gets: number[] = [];
  await rounds("manager dict set/get from a child", async () => {
    const out = new Float64Array(new SharedArrayBuffer(16));
    const p = new Process({ target: setGet, args: [d, CALLS, out] });
    p.start();
    await p.join();
    if (p.exitcode !== 0) throw new Error(`the child ended with ${p.exitcode}`);
    sets.push(out[0]);
    gets.push(out[1]);
    return out[0];
  }, 120_000);
  emit("manager.dict.set.child", "calls/s", sets);
  emit("manager.dict.get.child", "calls/s", gets);
  manager.shutdown();
  done();
}
