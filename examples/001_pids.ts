/**
 * Follows a tutorial's notes on the Python 3.4
 * multiprocessing docs, section "2. 프로세스 생성" (two processes printing
 * their pids).
 *
 * Python's output (pids differ from run to run):
 *
 *     producer's pid : 16312
 *     haru's pid : 13200
 *     chiha's pid : 13692
 *
 * Ours: the same lines. `os.getpid()` is `currentProcess().pid`: our
 * processes are workers inside one OS process, so a pid is a number unique
 * to each process of the tree (the main program's is the OS pid, its
 * children's follow it) rather than an OS pid. "haru" and "chiha" may
 * print in either order, as in Python: the two children run in parallel.
 */

import { currentProcess, Process } from "../mod.ts";

export function f(name: string): void {
  console.log(`${name}'s pid : ${currentProcess().pid}`);
}

if (import.meta.main) {
  console.log("producer's pid :", currentProcess().pid);

  const p1 = new Process({ target: f, args: ["haru"] });
  const p2 = new Process({ target: f, args: ["chiha"] });

  p1.start();
  p2.start();

  await p1.join();
  await p2.join();
}
