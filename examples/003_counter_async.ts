/**
 * Follows the tutorial "[파이썬 정복하기] 라이브러리 12장", section "066. ...
 * threading", "스레드 안전 문제(lock)": the lock-protected counter of
 * 003_counter.ts in its async form. `await lock.withLock(fn)` (or `await
 * lock.acquire()` ... `lock.release()`) waits for the lock without blocking
 * the thread, so a process can go on with other work (timers, I/O) while
 * it waits. Here the main process takes part too: two children and the
 * main process each add 100,000.
 *
 * Python's output and ours:
 *
 *     최종 counter 값: 300000
 */

import { Lock, Process, RawValue } from "../mod.ts";

export async function worker(lock: Lock, counter: RawValue<"i">): Promise<void> {
  for (let i = 0; i < 100_000; i++) {
    await lock.withLock(() => { // 🔒 락을 획득한 상태에서만 counter 변경
      counter.value += 1;
    });
  }
}

if (import.meta.main) {
  const lock = new Lock();
  const counter = new RawValue("i", 0);
  const processes: Process[] = [];

  for (let i = 0; i < 2; i++) {
    const p = new Process({ target: worker, args: [lock, counter] });
    p.start();
    processes.push(p);
  }
  await worker(lock, counter);

  for (const p of processes) {
    await p.join();
  }

  console.log("최종 counter 값:", counter.value);
}
