/**
 * Follows the tutorial "멀티프로세싱 1",
 * section "멀티프로세싱과 클래스", second program (the same, printing
 * before and after join()).
 *
 * Python's output (not shown in the post; this is what it prints when the
 * child is still starting while the parent prints its "before join" lines,
 * which is nearly always):
 *
 *     __init__ MainProcess
 *     before join
 *     SubProcess:  True
 *     None
 *     ---------------------------
 *     run bob
 *     run SubProcess
 *     ---------------------------
 *     after join
 *     SubProcess:  False
 *     None
 *
 * Ours: the same, with `true`/`false`/`null` for Python's True/False/None.
 * Here the order is certain: the main program prints its "before join"
 * lines synchronously, before the worker can run at all.
 *
 * As in 002_method_state.ts, Python's pickled bound method `w.run` becomes
 * the exported `callRun`, which rebuilds the `Worker` from its fields in
 * the child (without running the constructor) and calls `run("bob")`.
 */

import { currentProcess, Process } from "../mod.ts";

export class Worker {
  name: string | null;

  constructor() {
    console.log("__init__", currentProcess().name);
    this.name = null;
  }

  run(name: string): void {
    this.name = name;
    console.log("run", this.name);
    console.log("run", currentProcess().name);
  }
}

/** The child's half of Python's pickled `w.run`: rebuild `w`, call `run(...args)`. */
export function callRun(fields: Pick<Worker, "name">, ...args: [name: string]): void {
  const w: Worker = Object.assign(Object.create(Worker.prototype), fields);
  w.run(...args);
}

if (import.meta.main) {
  const w = new Worker();
  const p = new Process({ target: callRun, name: "SubProcess", args: [{ ...w }, "bob"] });
  p.start(); // target function is called

  console.log("before join");
  console.log("SubProcess: ", p.isAlive());
  console.log(w.name);
  console.log("---------------------------");

  await p.join();
  console.log("---------------------------");
  console.log("after join");
  console.log("SubProcess: ", p.isAlive());
  console.log(w.name);
}
