/**
 * A Condition shared by a producer process and two consumer processes, as
 * with Python's `multiprocessing.Condition`: the producer puts five items
 * into a shared ring under the condition's lock and notifies; each consumer
 * waits (`waitFor`) until there is an item, takes it and says so. A count
 * of -1 tells a consumer to stop.
 *
 * Output (which consumer takes which item varies from run to run):
 *
 *     produced 1
 *     consumer 0 took 1
 *     ...
 *     consumed 5 items, total 15
 */

import { Condition, Process, SharedArray } from "../mod.ts";

// The ring: [count, head, slot0..slot7]
const COUNT = 0;
const HEAD = 1;
const SLOTS = 8;

export async function consumer(
  cond: Condition,
  ring: SharedArray<"i">,
  id: number,
  taken: SharedArray<"i">,
): Promise<void> {
  for (;;) {
    const item = await cond.withLock(async () => {
      await cond.waitFor(() => ring[COUNT] !== 0);
      if (ring[COUNT] < 0) return -1; // stop: leave the marker for the other consumer
      const head = ring[HEAD];
      const value = ring[2 + head];
      ring[HEAD] = (head + 1) % SLOTS;
      ring[COUNT] -= 1;
      cond.notifyAll(); // the producer may wait for room
      return value;
    });
    if (item < 0) return;
    console.log(`consumer ${id} took ${item}`);
    taken.getLock().withLockSync(() => {
      taken[0] += 1;
      taken[1] += item;
    });
  }
}

export async function producer(cond: Condition, ring: SharedArray<"i">, n: number): Promise<void> {
  for (let item = 1; item <= n; item++) {
    await cond.withLock(async () => {
      await cond.waitFor(() => ring[COUNT] < SLOTS);
      ring[2 + (ring[HEAD] + ring[COUNT]) % SLOTS] = item;
      ring[COUNT] += 1;
      console.log(`produced ${item}`);
      cond.notify();
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await cond.withLock(async () => {
    await cond.waitFor(() => ring[COUNT] === 0);
    ring[COUNT] = -1;
    cond.notifyAll();
  });
}

if (import.meta.main) {
  const cond = new Condition();
  const ring = new SharedArray("i", 2 + SLOTS, { lock: false });
  const taken = new SharedArray("i", 2);
  const ps = [
    new Process({ target: consumer, args: [cond, ring, 0, taken] }),
    new Process({ target: consumer, args: [cond, ring, 1, taken] }),
    new Process({ target: producer, args: [cond, ring, 5] }),
  ];
  for (const p of ps) p.start();
  for (const p of ps) await p.join();
  console.log(`consumed ${taken[0]} items, total ${taken[1]}`);
}
