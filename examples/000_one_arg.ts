/**
 * Follows the tutorial "[python]multiprocessing
 * Process 완벽 정리(초보자)", section "3) 함수에 인자 넣기 / 인자 1개 사용".
 *
 * Python's output:
 *
 *     테스트입니다
 *
 * Ours: the same. Python's one-element tuple `args=('테스트입니다',)` is an
 * array here. (Python imports `time` without using it; we leave it out.)
 */

import { Process } from "../mod.ts";

export function function1(test: string): void {
  console.log(test);
}

if (import.meta.main) {
  const p1 = new Process({ target: function1, args: ["테스트입니다"] });
  p1.start();
}
