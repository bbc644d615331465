/**
 * Follows the tutorial "멀티프로세싱 1",
 * section "인수는 tuple로 전달", the "인자 전달 (함수 버전)" program.
 *
 * Python's output (not shown in the post):
 *
 *     Sub Process hello
 *     Main Process
 *
 * Ours: the same: join() waits for the child before "Main Process".
 */

import { currentProcess, Process } from "../mod.ts";

export function work(value: string): void {
  const pname = currentProcess().name;
  console.log(pname, value);
}

if (import.meta.main) {
  const p = new Process({ name: "Sub Process", target: work, args: ["hello"] });
  p.start();
  await p.join();
  console.log("Main Process");
}
