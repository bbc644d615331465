/**
 * Follows the tutorial "[python]multiprocessing
 * Process 완벽 정리(초보자)", section "Process를 사용한 예" (two processes
 * started together, then joined).
 *
 * Python's output:
 *
 *     Start function 1
 *     Start function 2
 *     End function 1
 *     End function 2
 *     Both functions have completed
 *
 * Ours: the same. The sleeps are scaled down ten times (3 s → 300 ms,
 * 5 s → 500 ms) so the example ends quickly.
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

export async function function2(): Promise<void> {
  console.log("Start function 2");
  await sleep(500);
  console.log("End function 2");
}

if (import.meta.main) {
  const p1 = new Process({ target: function1 });
  const p2 = new Process({ target: function2 });
  p1.start();
  p2.start();
  await p1.join();
  await p2.join();
  console.log("Both functions have completed");
}
