/**
 * Follows a tutorial's notes on the Python 3.4
 * multiprocessing docs, section "3-1. 프로세스의 독립성" (a module global
 * changed in the parent is not seen by the children).
 *
 * Python's output:
 *
 *     72
 *     72
 *     72
 *
 * Ours: the same. Each worker imports this module afresh, so its `a` starts
 * at 71 again, whatever the parent did to its own copy: the first 72 is the
 * main program's call, the other two are the children's.
 *
 * Python's `mp.set_start_method('spawn')` has no counterpart: our workers
 * always start like Python's "spawn" (a fresh interpreter that re-imports
 * the main module), so the line is dropped.
 */

import { Process } from "../mod.ts";

let a = 71;

export function f(): void {
  a = a + 1;
  console.log(a);
}

if (import.meta.main) {
  f();
  // mp.set_start_method('spawn'): always the case here, nothing to set.
  const p1 = new Process({ target: f, args: [] });
  const p2 = new Process({ target: f, args: [] });

  p1.start();
  p2.start();

  await p1.join();
  await p2.join();
}
