/**
 * A start line with Python's `multiprocessing.Barrier`: three runner
 * processes get ready at their own pace, wait at the barrier, and all set
 * off together once the last one arrives. `wait()` returns each runner's
 * arrival index (0, 1, 2 in some order); the one that gets 0 fires the
 * starting gun, which is how an action runs across processes (a Barrier's
 * `action` is a function and stays in the process that made it).
 *
 * Output (the order of the "ready" and "off" lines varies):
 *
 *     runner 1 ready
 *     runner 3 ready
 *     runner 2 ready
 *     bang!
 *     runner 2 off
 *     runner 1 off
 *     runner 3 off
 */

import { Barrier, Process } from "../mod.ts";

export async function runner(line: Barrier, id: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20 * id)); // lacing shoes
  console.log(`runner ${id} ready`);
  const index = await line.wait({ timeout: 10_000 });
  if (index === 0) console.log("bang!");
  console.log(`runner ${id} off`);
}

if (import.meta.main) {
  const line = new Barrier(3);
  const ps = [1, 2, 3].map((id) => new Process({ target: runner, args: [line, id] }));
  for (const p of ps) p.start();
  for (const p of ps) await p.join();
}
