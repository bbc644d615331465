/**
 * Follows the tutorial "멀티프로세싱 1",
 * section "프로세서 상태확인 및 프로세서 죽이기" (is_alive() before, during
 * and after a process that loops forever, then kill()).
 *
 * Python's output (not shown in the post; `print` puts a space after
 * "Status: ", hence two spaces):
 *
 *     Status:  False
 *     Status:  True
 *     sub process is running
 *     sub process is running
 *     sub process is running
 *     sub process is running
 *     sub process is running
 *     Status:  True
 *     Status:  False
 *
 * Ours, with the sleeps scaled down ten times (1 s → 100 ms, 5 s → 500 ms):
 *
 *     Status:  false
 *     Status:  true
 *     sub process is running        (three to five times: how many depends
 *     ...                            on how fast the worker starts, as in Python)
 *     Status:  true
 *     Status:  false
 *
 * JavaScript prints booleans in lower case; otherwise the same as Python:
 * `kill()` asks the worker to stop, and `isAlive()` stays true until the
 * runtime reports its thread gone, which `join()` waits for (the post's
 * comment: "join 때문에 alive 생태").
 */

import { Process } from "../mod.ts";

/** Python's `time.sleep`, in milliseconds, for async code. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function work(): Promise<never> {
  while (true) {
    console.log("sub process is running");
    await sleep(100);
  }
}

if (import.meta.main) {
  const p = new Process({ target: work, name: "SubProcess" });
  console.log("Status: ", p.isAlive());

  p.start();
  console.log("Status: ", p.isAlive());

  await sleep(500); // 메인 프로세스 0.5초 대기 (Python: 5초)
  p.kill(); // 서브 프로세스 종료
  console.log("Status: ", p.isAlive()); // true: not yet reaped, as in Python

  await p.join(); // 메인 프로세스는 서브 프로세스가 종료될 때까지 블록됨
  console.log("Status: ", p.isAlive());
}
