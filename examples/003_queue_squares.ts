/**
 * Follows the tutorial "[파이썬 정복하기] 라이브러리 12장 - 동시에 실행하기1",
 * program mp_test3.py: three processes put the squares of their numbers
 * on a queue; the parent joins them and prints what is on the queue.
 *
 *   deno run -A examples/003_queue_squares.ts | bun examples/003_queue_squares.ts | node examples/003_queue_squares.ts
 *
 * Output (as Python's; the order follows which process puts first):
 *   1
 *   4
 *   9
 */

import { Process, Queue } from "../mod.ts";

export function worker(q: Queue<number>, n: number): void {
  q.putSync(n * n);
}

if (import.meta.main) {
  const q = new Queue<number>();
  const nums = [1, 2, 3];
  const procs: Process[] = [];

  for (const n of nums) {
    const p = new Process({ target: worker, args: [q, n] });
    p.start();
    procs.push(p);
  }

  for (const p of procs) {
    await p.join();

    while (!q.empty()) {
      console.log(q.getNowait());
    }
  }
}
