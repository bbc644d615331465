/**
 * Follows the tutorial "[python]multiprocessing
 * Process 완벽 정리(초보자)", section "2) join() / join()을 안쓸 경우".
 *
 * Python's output:
 *
 *     완료
 *     Start function 1
 *     End function 1
 *
 * Ours: the same. start() returns at once and the main program prints
 * "완료" while the worker is still starting; the program then stays alive
 * until its non-daemon child ends. The sleep is scaled down ten times
 * (3 s → 300 ms).
 */

import { Process } from "../mod.ts";

/** Python's `time.sleep`, in milliseconds, for async code. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function function1(): Promise<void> {
  console.log("Start function 1");
  await sleep(300);
  console.log("End function 1");
}

if (import.meta.main) {
  const p1 = new Process({ target: function1 });
  p1.start();
  console.log("완료");
}
