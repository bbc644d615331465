/**
 * Follows the tutorial "[파이썬 정복하기]
 * 라이브러리 12장 - 동시에 실행하기1", section "067. 멀티 프로세스를
 * 이용하여 병렬로 처리하려면? ― multiprocessing", "Process 사용"
 * (mp_test.py).
 *
 * Python's output:
 *
 *     3 작업 시작
 *     3 작업 끝
 *
 * Ours: the same. The sleep is scaled down ten times (1 s → 100 ms).
 */

import { Process } from "../mod.ts";

/** Python's `time.sleep`, in milliseconds, for async code. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function worker(n: number): Promise<void> {
  console.log(`${n} 작업 시작`);
  await sleep(100);
  console.log(`${n} 작업 끝`);
}

if (import.meta.main) {
  const p = new Process({ target: worker, args: [3] });
  p.start();
  await p.join();
}
