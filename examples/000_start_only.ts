/**
 * Follows the tutorial "[python]multiprocessing
 * Process 완벽 정리(초보자)", section "Process 사용법 / 1) 기본 컨셉 이해"
 * (one process, started and never joined).
 *
 * Python's output:
 *
 *     Start function 1
 *     End function 1
 *
 * Ours: the same. As in Python, a non-daemon child keeps the program alive
 * until it ends, so no join() is needed to see "End function 1". The sleep
 * is scaled down ten times (3 s → 300 ms).
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
}
