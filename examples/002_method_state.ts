/**
 * Follows the tutorial "멀티프로세싱 1",
 * section "멀티프로세싱과 클래스", first program (`target=w.run` sets
 * `self.name` in the child; the parent's `w` does not change).
 *
 * Python's output:
 *
 *     __init__ MainProcess
 *     run bob
 *     run SubProcess
 *     None
 *
 * Ours: the same, except that JavaScript prints `null` for Python's `None`.
 *
 * The difference: Python pickles the bound method `w.run` (the instance's
 * class and its `__dict__`) and the child rebuilds `w` without calling
 * `__init__` (so "__init__" prints once, in MainProcess) and calls
 * `run("bob")` on its own copy. A JavaScript bound method cannot travel to a
 * worker, so the target is the exported `callRun`, given the instance's
 * fields (`{ ...w }`) and run's arguments: it rebuilds a `Worker` from the
 * fields without running the constructor, then calls `run`. The child's
 * copy gets `name = "bob"`; the parent's `w.name` stays null.
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
  await p.join();
  // 서브 프로세스는 종료된 상태
  // 생성자는 메인 프로세스이므로 self.name은 None
  console.log(w.name);
}
