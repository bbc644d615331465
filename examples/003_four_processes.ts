/**
 * Follows the tutorial "[파이썬 정복하기]
 * 라이브러리 12장 - 동시에 실행하기1", section "067. 멀티 프로세스를
 * 이용하여 병렬로 처리하려면? ― multiprocessing", "여러 프로세스 실행"
 * (mp_test2.py).
 *
 * Python's output (one run; the order within the "시작" lines and within
 * the "끝" lines changes from run to run, since the four run in parallel):
 *
 *     1 작업 시작
 *     2 작업 시작
 *     4 작업 시작
 *     3 작업 시작
 *     1 작업 끝
 *     4 작업 끝
 *     2 작업 끝
 *     3 작업 끝
 *     모든 작업 완료
 *
 * Ours: the same lines; the four "시작" lines, then the four "끝" lines,
 * each group in an order that may change from run to run, as in Python;
 * "모든 작업 완료" is always last. The sleep is scaled down only twice
 * (1 s → 500 ms), so that all four workers start before the first one
 * ends even on a loaded machine (starting a worker takes tens to hundreds
 * of milliseconds).
 */

import { Process } from "../mod.ts";

/** Python's `time.sleep`, in milliseconds, for async code. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function worker(n: number): Promise<void> {
  console.log(`${n} 작업 시작`);
  await sleep(500);
  console.log(`${n} 작업 끝`);
}

if (import.meta.main) {
  const nums = [1, 2, 3, 4];
  const processes: Process[] = [];

  for (const n of nums) {
    const p = new Process({ target: worker, args: [n] });
    p.start();
    processes.push(p);
  }

  for (const p of processes) {
    await p.join();
  }

  console.log("모든 작업 완료");
}
