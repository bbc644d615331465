/**
 * Follows the tutorial "[python]multiprocessing
 * Process 완벽 정리(초보자)", section "3) 함수에 인자 넣기", the keyword
 * argument program (`kwargs={'test2': ..., 'test': ...}`).
 *
 * Python's output:
 *
 *     테스트입니다
 *     테스트입니다2
 *
 * Ours: the same. `kwargs` are matched to the target's parameter names, so
 * the order they are written in does not matter, as in Python.
 */

import { Process } from "../mod.ts";

export function function1(test: string, test2: string): void {
  console.log(test);
  console.log(test2);
}

if (import.meta.main) {
  const p1 = new Process({
    target: function1,
    kwargs: { test2: "테스트입니다2", test: "테스트입니다" },
  });
  p1.start();
}
