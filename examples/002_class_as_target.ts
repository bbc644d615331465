/**
 * Follows the tutorial "멀티프로세싱 1",
 * section "타켓으로 클래스 전달" (a class as the target: it is constructed
 * in the child).
 *
 * Python's output:
 *
 *     __init__ SubProcess
 *     run bob
 *     run SubProcess
 *
 * Ours: the same. A class given as `target` is constructed in the child
 * with `args` (`new Worker("bob")`), so its constructor prints the child's
 * name. The class must be exported: the worker imports this module to find
 * it.
 */

import { currentProcess, Process } from "../mod.ts";

export class Worker {
  name: string;

  constructor(name: string) {
    console.log("__init__", currentProcess().name);
    this.name = name;
    this.run();
  }

  run(): void {
    console.log("run", this.name);
    console.log("run", currentProcess().name);
  }
}

if (import.meta.main) {
  // A class target is called with `new` in the child.
  const p = new Process({ target: Worker, name: "SubProcess", args: ["bob"] });
  p.start(); // __init__ is called
  await p.join();
}
