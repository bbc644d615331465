/**
 * Follows the tutorial "멀티프로세싱 1",
 * section "sub process spawning", the "함수 매핑" program (a named process
 * running a function).
 *
 * Python's output (not shown in the post):
 *
 *     sub processor 실행
 *
 * Ours: the same. The process is not joined; as in Python, the program
 * waits for its non-daemon child before it ends.
 */

import { Process } from "../mod.ts";

export function worker(): void {
  console.log("sub processor 실행");
}

if (import.meta.main) {
  // sub processor 생성
  const p = new Process({ name: "SubProcessor1", target: worker });
  p.start();
}
