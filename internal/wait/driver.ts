/**
 * The one driver of blocking algorithms. An algorithm (a lock's acquire, a
 * condition's wait, a barrier's round) is written once, as a generator that
 * yields each wait it needs ({@linkcode Wait}); {@linkcode runSync} carries
 * the waits out by blocking the thread (`Atomics.wait`), {@linkcode runAsync}
 * without blocking it (`Atomics.waitAsync`). An aborted async wait is thrown
 * into the generator, so its `finally` blocks undo whatever it had claimed.
 *
 * @module
 */

import { waitAsync, type WaitResult, waitSync } from "./futex.ts";

/** One wait a blocking algorithm asks its driver for. */
export interface Wait {
  view: Int32Array;
  index: number;
  expected: number;
  deadline: number;
}

/** A blocking algorithm: yields waits, is resumed with their results. */
export type Blocking<T> = Generator<Wait, T, WaitResult>;

/** Runs a blocking algorithm, blocking the thread at each wait. */
export function runSync<T>(gen: Blocking<T>): T {
  let step = gen.next();
  while (!step.done) {
    const w = step.value;
    step = gen.next(waitSync(w.view, w.index, w.expected, w.deadline));
  }
  return step.value;
}

/** Runs a blocking algorithm without blocking the thread. */
export async function runAsync<T>(gen: Blocking<T>, signal?: AbortSignal): Promise<T> {
  let step = gen.next();
  while (!step.done) {
    const w = step.value;
    let result: WaitResult;
    try {
      result = await waitAsync(w.view, w.index, w.expected, w.deadline, signal);
    } catch (error) {
      // Aborted: let the algorithm undo what it claimed, then rethrow. Its
      // undoing may itself wait (a Condition retakes its lock), so later
      // waits no longer heed the signal.
      signal = undefined;
      step = gen.throw(error);
      continue;
    }
    step = gen.next(result);
  }
  return step.value;
}
