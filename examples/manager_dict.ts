/**
 * Python's `Manager().dict()` shared by four processes, each writing its
 * own key, as in the tutorials' "sharing state between processes":
 *
 * ```python
 * def square(d, n):
 *     d[n] = n * n
 *
 * if __name__ == "__main__":
 *     with Manager() as manager:
 *         d = manager.dict()
 *         ps = [Process(target=square, args=(d, n)) for n in range(1, 5)]
 *         for p in ps: p.start()
 *         for p in ps: p.join()
 *         print(dict(sorted(d.items())))
 * ```
 *
 * Output:
 *
 *     { 1: 1, 2: 4, 3: 9, 4: 16 }
 *     squares: 4, total: 30
 */

import { type DictProxy, Manager, Process } from "../mod.ts";

export function square(d: DictProxy<number, number>, n: number): void {
  d.set(n, n * n);
}

if (import.meta.main) {
  await using manager = new Manager();
  const d = manager.dict<number, number>();
  const ps = [1, 2, 3, 4].map((n) => new Process({ target: square, args: [d, n] }));
  for (const p of ps) p.start();
  for (const p of ps) await p.join();
  const items = d.entries().sort(([a], [b]) => a - b);
  console.log(`{ ${items.map(([k, v]) => `${k}: ${v}`).join(", ")} }`);
  console.log(`squares: ${d.size}, total: ${d.values().reduce((a, b) => a + b, 0)}`);
}
