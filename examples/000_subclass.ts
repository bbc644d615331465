/**
 * Follows the tutorial "[python]multiprocessing
 * Process 완벽 정리(초보자)", section "4) 클래스형 Process" (a Process
 * subclass with its own constructor and run()).
 *
 * Python's output (the post does not show it; this is what the program
 * prints):
 *
 *     테스트입니다
 *     테스트입니다2
 *
 * Ours: the same. The subclass must be exported: the worker imports this
 * module to find it, then rebuilds the instance from its fields (`test`,
 * `test2`) without running the constructor again, as Python unpickles it.
 */

import { Process } from "../mod.ts";

export class MyProcess extends Process {
  test: string;
  test2: string;

  constructor(test: string, test2: string) {
    super();
    this.test = test;
    this.test2 = test2;
  }

  override run(): void {
    console.log(this.test);
    console.log(this.test2);
  }
}

if (import.meta.main) {
  const p1 = new MyProcess("테스트입니다", "테스트입니다2");
  p1.start();
}
