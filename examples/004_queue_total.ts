/**
 * Follows the tutorial "python 멀티프로세싱 - process간 데이터 교환예시",
 * design pattern 1: five processes each count to baseNum and put
 * their sub-total on a queue; the parent joins them all (before draining the
 * queue, which is safe here: a put never waits), puts an "exit" marker, and
 * sums until the marker.
 *
 *   deno run -A examples/004_queue_total.ts | bun examples/004_queue_total.ts | node examples/004_queue_total.ts
 *
 * Output (as Python's, ids and order vary):
 *   Parent process ID 2357
 *   Process ID: 2359, Process Name: 1
 *   Result : 100000000
 *   ... (five of these)
 *   --- 0.31 seconds ---          (Python: --- 3.417874813079834 seconds ---)
 *
 *   Main-Processing Total_count=500000000
 *   Main-Processing Done!
 *
 * The parent's ID is the operating system's; a child's is the parent's plus
 * its place in the process tree (every process here is a thread of one OS
 * process), unique in the tree as Python's are.
 */

import { currentProcess, Process, Queue } from "../mod.ts";

// 실행 함수 (the worker)
export function worker(_id: number, baseNum: number, q: Queue<number | string>): void {
  const processId = currentProcess().pid;
  const processName = currentProcess().name;

  // 누적 (accumulate)
  let subTotal = 0;

  // 계산 (compute)
  for (let i = 0; i < baseNum; i++) {
    subTotal += 1;
  }

  // Produce
  q.putSync(subTotal);

  // 정보 출력 (report)
  console.log(`Process ID: ${processId}, Process Name: ${processName}`);
  console.log(`Result : ${subTotal}`);
}

async function main(): Promise<void> {
  const parentProcessId = currentProcess().pid;
  console.log(`Parent process ID ${parentProcessId}`);

  const processes: Process[] = [];
  const startTime = performance.now();
  const q = new Queue<number | string>();

  for (let i = 0; i < 5; i++) {
    const t = new Process({ name: String(i), target: worker, args: [1, 100_000_000, q] });
    processes.push(t);
    t.start();
  }

  // Join
  for (const process of processes) {
    await process.join();
  }

  // 순수 계산 시간 (pure computation time)
  console.log(`--- ${(performance.now() - startTime) / 1000} seconds ---`);

  // 종료 플래그 (end marker)
  await q.put("exit");

  let total = 0;
  while (true) {
    const tmp = await q.get();
    if (tmp === "exit") break;
    total += tmp as number;
  }

  console.log();
  console.log(`Main-Processing Total_count=${total}`);
  console.log("Main-Processing Done!");
}

if (import.meta.main) {
  await main();
}
