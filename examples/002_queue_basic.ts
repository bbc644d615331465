/**
 * Follows the tutorial "멀티프로세싱 1",
 * section "멀티프로세스와 큐(Queue)": put three items, get them back.
 *
 *   deno run -A examples/002_queue_basic.ts | bun examples/002_queue_basic.ts | node examples/002_queue_basic.ts
 *
 * Output (as Python's):
 *   1
 *   2
 *   3
 */

import { Queue } from "../mod.ts";

if (import.meta.main) {
  const q = new Queue<number>();
  await q.put(1);
  await q.put(2);
  await q.put(3);
  const data1 = await q.get();
  const data2 = await q.get();
  const data3 = await q.get();
  console.log(data1);
  console.log(data2);
  console.log(data3);
}
