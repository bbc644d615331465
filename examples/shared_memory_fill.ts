/**
 * Python's `multiprocessing.shared_memory.SharedMemory`, filled by workers:
 * the parent creates a 16-byte block, four worker processes attach to it by
 * name and each fills its quarter, and the parent reads the whole.
 *
 * ```python
 * def fill(name, worker):
 *     shm = SharedMemory(name=name)
 *     shm.buf[worker * 4:(worker + 1) * 4] = bytes([worker] * 4)
 *     shm.close()
 *
 * if __name__ == "__main__":
 *     shm = SharedMemory(create=True, size=16)
 *     ps = [Process(target=fill, args=(shm.name, w)) for w in range(4)]
 *     ...
 *     print(*shm.buf)
 *     shm.close(); shm.unlink()
 * ```
 *
 * Output:
 *
 *     0 0 0 0 1 1 1 1 2 2 2 2 3 3 3 3
 *     sum 24
 */

import { Process, SharedMemory } from "../mod.ts";

export function fill(name: string, worker: number): void {
  const shm = new SharedMemory({ name });
  shm.buf.fill(worker, worker * 4, (worker + 1) * 4);
  shm.close();
}

if (import.meta.main) {
  const shm = new SharedMemory({ create: true, size: 16 });
  const ps = [0, 1, 2, 3].map((w) => new Process({ target: fill, args: [shm.name, w] }));
  for (const p of ps) p.start();
  for (const p of ps) await p.join();
  console.log(shm.buf.join(" "));
  console.log(`sum ${shm.buf.reduce((a, b) => a + b, 0)}`);
  shm.close();
  shm.unlink();
}
