/**
 * Follows the tutorial "멀티프로세싱 1",
 * section "멀티프로세싱과 PyQt": a producer process puts the current time
 * on a queue every second; a consumer takes each one and shows it. Python's
 * consumer is a QThread feeding a PyQt status bar; here it is an async loop
 * in the main process printing to the console, and it stops after three
 * items (the window in Python runs until closed). The producer is a daemon,
 * so it ends with the program, as in Python.
 *
 *   deno run -A examples/002_producer_consumer.ts | bun examples/002_producer_consumer.ts | node examples/002_producer_consumer.ts
 *
 * Output:
 *   producer
 *   2026-01-01T10:00:00.000Z      (Python: 2026-01-01 10:00:00.000000, in the status bar)
 *   2026-01-01T10:00:01.001Z
 *   2026-01-01T10:00:02.002Z
 */

import { currentProcess, Process, Queue } from "../mod.ts";

export async function producer(q: Queue<string>): Promise<void> {
  const proc = currentProcess();
  console.log(proc.name);
  while (true) {
    const data = new Date().toISOString();
    await q.put(data);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function consumer(q: Queue<string>, show: (data: string) => void): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const data = await q.get();
    show(data);
  }
}

if (import.meta.main) {
  const q = new Queue<string>();
  // producer process
  const p = new Process({ name: "producer", target: producer, args: [q], daemon: true });
  p.start();
  // Main process: the consumer, showing each item as it comes
  await consumer(q, (data) => console.log(data));
}
