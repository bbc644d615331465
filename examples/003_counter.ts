/**
 * Follows the tutorial "[파이썬 정복하기]
 * 라이브러리 12장 - 동시에 실행하기1", section "066. 스레드를 이용하여
 * 병렬로 처리하려면? ― threading", "스레드 안전 문제(lock)": three workers
 * each add 100,000 to a shared counter under a lock.
 *
 * The tutorial uses threads and a global; ported to processes (which share no
 * globals), the counter is a shared `Value` and the lock is its own, as
 * Python's multiprocessing version would be:
 *
 *     counter = Value("i", 0)
 *     def worker(counter):
 *         for _ in range(100000):
 *             with counter.get_lock():
 *                 counter.value += 1
 *
 * `with lock:` is `lock.withLockSync(() => ...)` (or
 * `lock.acquireSync(); try { ... } finally { lock.release(); }`, or
 * `using _ = lock.guardSync();`). The async form is 003_counter_async.ts.
 *
 * Python's output and ours:
 *
 *     최종 counter 값: 300000
 */

import { Process, Value } from "../mod.ts";

export function worker(counter: Value<"i">): void {
  const lock = counter.getLock();
  for (let i = 0; i < 100_000; i++) {
    lock.withLockSync(() => { // 🔒 락을 획득한 상태에서만 counter 변경
      counter.value += 1;
    });
  }
}

if (import.meta.main) {
  const counter = new Value("i", 0);
  const processes: Process[] = [];

  // 프로세스 3개 실행
  for (let i = 0; i < 3; i++) {
    const p = new Process({ target: worker, args: [counter] });
    p.start();
    processes.push(p);
  }

  // 모든 프로세스를 기다림
  for (const p of processes) {
    await p.join();
  }

  console.log("최종 counter 값:", counter.value);
}
