/**
 * Synchronization primitives shared by processes, Python's
 * `multiprocessing.synchronize`: {@linkcode Lock}, {@linkcode RLock},
 * {@linkcode Semaphore}, {@linkcode BoundedSemaphore}, {@linkcode Condition},
 * {@linkcode Event} and {@linkcode Barrier}, on `SharedArrayBuffer` and
 * `Atomics`.
 *
 * Every blocking call has an async form (`acquire()`, `wait()`) and a `Sync`
 * form that blocks the thread (`acquireSync()`, `waitSync()`), with
 * `{ timeout }` in milliseconds (and `{ signal }` for the async forms).
 * `withLock(fn)` / `withLockSync(fn)` run a critical section, and
 * `using _ = lock.guardSync()` holds a lock for a block. Each can be passed
 * to a `Process` (in `args`, at any depth, or as a field of a subclass) and
 * every holder sees the same state.
 *
 * Unlike Python's, a lock knows its owner: when a process ends holding a
 * `Lock`, an `RLock` or `Semaphore` permits, the next acquirer that would
 * wait gets {@linkcode AbandonedLockError} within ~50 ms and the lock is
 * free again; a `Barrier` whose party dies is broken.
 *
 * @example Three processes add to one counter
 * ```ts
 * import { Lock, Process, RawValue } from "@tsmp/multiprocessing";
 *
 * export function work(lock: Lock, counter: RawValue<"i">) {
 *   for (let i = 0; i < 100_000; i++) lock.withLockSync(() => counter.value += 1);
 * }
 *
 * if (import.meta.main) {
 *   const lock = new Lock();
 *   const counter = new RawValue("i", 0);
 *   const ps = [0, 1, 2].map(() => new Process({ target: work, args: [lock, counter] }));
 *   for (const p of ps) p.start();
 *   for (const p of ps) await p.join();
 *   console.log(counter.value); // 300000
 * }
 * ```
 *
 * @module
 */

export { AbandonedLockError, BrokenBarrierError } from "./internal/lock/errors.ts";
export {
  type AcquireOptions,
  type AsyncAcquireOptions,
  type AsyncWaitOptions,
  type WaitOptions,
} from "./internal/lock/core.ts";
export { LockGuard, LockLike } from "./internal/lock/guard.ts";
export { Lock, RLock } from "./internal/lock/mutex.ts";
export { BoundedSemaphore, Semaphore, type SemaphoreOptions } from "./internal/lock/semaphore.ts";
export { Condition } from "./internal/lock/condition.ts";
export { Event } from "./internal/lock/event.ts";
export { Barrier, type BarrierOptions } from "./internal/lock/barrier.ts";
