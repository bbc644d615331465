/**
 * Follows a tutorial's notes on the Python 3.4 multiprocessing docs,
 * section "3-2. Queue": two processes put their names on one shared queue.
 *
 *   deno run -A examples/001_queue.ts | bun examples/001_queue.ts | node examples/001_queue.ts
 *
 * Python's output:
 *   Haruka joined. Now 1 members.
 *   Chihaya joined. Now 2 members.
 * (The order of the two lines, and the counts, depend on which process runs first.)
 */

import { Process, Queue } from "../mod.ts";

export function f(q: Queue<string>, name: string): void {
  q.putSync(name);
  console.log(name, "joined. Now", q.qsize(), "members.");
}

if (import.meta.main) {
  const q = new Queue<string>();
  const p1 = new Process({ target: f, args: [q, "Haruka"] });
  const p2 = new Process({ target: f, args: [q, "Chihaya"] });

  p1.start();
  p2.start();

  await p1.join();
  await p2.join();
}
