/**
 * Follows the tutorial "python 멀티프로세싱 - process간 데이터 교환예시",
 * design pattern 2: five processes share one end of a pipe, each
 * counts to baseNum and sends its sub-total; the parent receives five times.
 *
 *   deno run -A examples/004_pipe_total.ts | bun examples/004_pipe_total.ts | node examples/004_pipe_total.ts
 *
 * Output (as Python's, ids and order vary):
 *   Parent process ID 2543
 *   Process ID: 2544, Process Name: Process-1
 *   Result : 100000000
 *   ... (five of these)
 *   --- 0.35 seconds ---          (Python: --- 3.3975470066070557 seconds ---)
 *   Main-Processing : 500000000
 *   Main-Processing Done!
 */

import { type Connection, currentProcess, Pipe, Process } from "../mod.ts";

// 실행 함수 (the worker)
export function worker(_id: number, baseNum: number, conn: Connection<number>): boolean {
  const processId = currentProcess().pid;
  const processName = currentProcess().name;

  let subTotal = 0;
  for (let i = 0; i < baseNum; i++) {
    subTotal += 1;
  }

  // Produce
  conn.send(subTotal);
  conn.close();

  console.log(`Process ID: ${processId}, Process Name: ${processName}`);
  console.log(`Result : ${subTotal}`);
  return true;
}

async function main(): Promise<void> {
  const parentProcessId = currentProcess().pid;
  console.log(`Parent process ID ${parentProcessId}`);

  const startTime = performance.now();

  // Pipe 선언 (one pipe; every child gets the same end)
  const [parentConn, childConn] = Pipe<number>();

  const processes: Process[] = [];
  let sharedResult = 0;

  for (let i = 0; i < 5; i++) {
    const t = new Process({ target: worker, args: [1, 100_000_000, childConn] });
    processes.push(t);
    t.start();
  }

  // Join
  for (const process of processes) {
    sharedResult += await parentConn.recv();
    await process.join();
  }

  console.log(`--- ${(performance.now() - startTime) / 1000} seconds ---`);
  console.log(`Main-Processing : ${sharedResult}`);
  console.log("Main-Processing Done!");
}

if (import.meta.main) {
  await main();
}
