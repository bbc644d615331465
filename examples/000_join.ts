/**
 * Follows the tutorial "[python]multiprocessing
 * Process 완벽 정리(초보자)", section "2) join() / join()을 쓸 경우".
 *
 * Python's output:
 *
 *     Start function 1
 *     End function 1
 *     완료
 *
 * Ours: the same: `await p1.join()` waits for the child before "완료".
 * The sleep is scaled down ten times (3 s → 300 ms).
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
  await p1.join();
  console.log("완료");
}
