/**
 * The errors of the locks and the barrier, re-exported by `lock.ts`.
 *
 * @module
 */

import { slotExitCode, slotName } from "../process/table.ts";

/**
 * Thrown by the acquire that finds a lock (or a `Semaphore`'s permits) held
 * by a process that has ended: the lock is freed (the permits returned) as
 * this is thrown, so the caller does not hold it and may simply retry. The
 * data the lock guarded may be half-updated; this error is the chance to
 * repair it. Python's locks have no such check: their waiters hang.
 *
 * @example Taking over a lock whose holder was killed
 * ```ts
 * import { AbandonedLockError, Lock } from "@tsmp/multiprocessing";
 *
 * const lock = new Lock();
 * try {
 *   lock.acquireSync({ timeout: 1000 });
 * } catch (error) {
 *   if (!(error instanceof AbandonedLockError)) throw error;
 *   console.log(`${error.kind} abandoned by ${error.holder}`);
 *   lock.acquireSync(); // it is free now
 * }
 * lock.release();
 * ```
 */
export class AbandonedLockError extends Error {
  /** The kind of primitive: `"Lock"`, `"RLock"`, `"Semaphore"`, ... */
  readonly kind: string;
  /** The name of the process that ended holding it (`"Process-4"`). */
  readonly holder: string;
  /** The process-table slot of the process that ended holding it. */
  readonly slot: number;
  /** That process's exit code (null if not yet recorded). */
  readonly exitcode: number | null;

  /**
   * Makes the error; the message names the dead holder and its exit code.
   *
   * @param kind The kind of primitive.
   * @param slot The process-table slot of the dead holder.
   * @param options `cause`, as for `Error`.
   */
  constructor(kind: string, slot: number, options?: ErrorOptions) {
    const exitcode = slot >= 0 ? slotExitCode(slot) : null;
    const holder = slotName(slot);
    super(
      `${kind} was abandoned: the process that held it (${holder}) ended ` +
        `with exit code ${exitcode} without releasing it; it is free again`,
      options,
    );
    this.name = "AbandonedLockError";
    this.kind = kind;
    this.holder = holder;
    this.slot = slot;
    this.exitcode = exitcode;
  }
}

/**
 * Thrown by `Barrier.wait()` when the barrier is broken: by `abort()`, a
 * timeout, an action that threw, a party that died, or a `reset()` while
 * waiting. Python's `threading.BrokenBarrierError`.
 *
 * @example Catching it
 * ```ts
 * import { Barrier, BrokenBarrierError } from "@tsmp/multiprocessing";
 *
 * const barrier = new Barrier(2);
 * try {
 *   await barrier.wait({ timeout: 10 });
 * } catch (error) {
 *   console.log(error instanceof BrokenBarrierError); // true
 * }
 * ```
 */
export class BrokenBarrierError extends Error {
  /**
   * Makes the error.
   *
   * @param message Why it is broken.
   * @param options `cause`, as for `Error`.
   */
  constructor(message = "The barrier is broken", options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokenBarrierError";
  }
}
