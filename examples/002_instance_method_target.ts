/**
 * Follows the tutorial "멀티프로세싱 1",
 * section "sub process spawning", the "class 매핑" program
 * (`target=w.run`, a bound method of a plain object).
 *
 * Python's output (not shown in the post; ␠ marks the space `print`
 * puts between its arguments, before "\nvalue :", at the end of the line):
 *
 *     cur processor : Sub Processor␠
 *     value : work class
 *
 * Ours: the same.
 *
 * The difference: Python pickles the bound method `w.run`, that is the
 * instance's class name and its `__dict__`, and the child rebuilds `w`
 * (without calling `__init__`) and calls `run` on it. A JavaScript bound
 * method or closure cannot travel to a worker, so we do the same by hand:
 * the target is the exported function `callRun`, its argument is the
 * instance's own fields (`{ ...w }`), and in the child it rebuilds a
 * `Worker` from them, without running the constructor, and calls `run()`.
 */

import { currentProcess, Process } from "../mod.ts";

export class Worker {
  value: string;

  constructor(value: string) {
    this.value = value;
  }

  run(): void {
    console.log("cur processor :", currentProcess().name, "\nvalue :", this.value);
  }
}

/** The child's half of Python's pickled `w.run`: rebuild `w`, call `run()`. */
export function callRun(fields: Pick<Worker, "value">): void {
  const w: Worker = Object.assign(Object.create(Worker.prototype), fields);
  w.run();
}

if (import.meta.main) {
  const name = "work class"; // Python: w = Worker(name:='work class')
  const w = new Worker(name);
  const p = new Process({ name: "Sub Processor", target: callRun, args: [{ ...w }] });
  p.start();
}
