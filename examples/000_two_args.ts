/**
 * Follows the tutorial "[python]multiprocessing
 * Process 완벽 정리(초보자)", section "3) 함수에 인자 넣기 / 인자 2개 사용".
 *
 * Python's output:
 *
 *     테스트입니다
 *     테스트입니다2
 *
 * Ours: the same; the arguments tuple is an array.
 */

import { Process } from "../mod.ts";

export function function1(test: string, test2: string): void {
  console.log(test);
  console.log(test2);
}

if (import.meta.main) {
  const p1 = new Process({ target: function1, args: ["테스트입니다", "테스트입니다2"] });
  p1.start();
}
