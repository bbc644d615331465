/**
 * Follows the tutorial "멀티프로세싱 1",
 * section "daemon, join 설정 가능" (the "class 매핑" program again, with
 * `p.daemon = True` and `p.join()`; its `Worker` class comes from there).
 *
 * Python's output (not shown in the post; ␠ marks the space at the end of
 * the line, which `print` puts before its "\nvalue :" argument):
 *
 *     cur processor : Sub Processor␠
 *     value : work class
 *
 * Ours: the same. A daemon child ends with the program, so without the
 * join() it might print nothing; with it, the main program waits.
 *
 * As in 002_instance_method_target.ts, Python's `target=w.run` (a pickled
 * bound method) becomes the exported `callRun`, which rebuilds the `Worker`
 * from its fields in the child and calls `run()`: a JavaScript bound method
 * cannot travel to a worker.
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
  p.daemon = true; // 서브프로세서 생성시 daemon 인자로 설정 가능
  p.start();
  await p.join(); // join 설정
}
