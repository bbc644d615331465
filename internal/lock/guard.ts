/**
 * What every lock-like primitive (Lock, RLock, Semaphore, Condition) offers
 * on top of acquire and release: `withLock(fn)` / `withLockSync(fn)` and the
 * `LockGuard` that `using _ = lock.guardSync()` holds.
 *
 * @module
 */

import { TimeoutError } from "../errors.ts";
import type { AcquireOptions, AsyncAcquireOptions } from "./core.ts";
import { describe } from "../wait/futex.ts";

/**
 * A held lock, released when disposed: `using _ = lock.guardSync()`.
 * Releasing twice is a no-op, so an early `release()` and the end of the
 * `using` block do not clash.
 *
 * @example Holding a lock for a block
 * ```ts
 * import { Lock } from "@tsmp/multiprocessing";
 *
 * const lock = new Lock();
 * {
 *   using _held = lock.guardSync();
 *   console.log(lock.locked()); // true
 * }
 * console.log(lock.locked()); // false
 * ```
 */
export class LockGuard implements Disposable {
  #release: (() => void) | undefined;

  /**
   * Wraps a release function; the lock's `guard()` methods make guards.
   *
   * @param release Releases the lock; called at most once.
   */
  constructor(release: () => void) {
    this.#release = release;
  }

  /** Releases the lock now, if this guard has not already. */
  release(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  /** Releases the lock at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.release();
  }
}

/** What `withHeld` needs of a lock. */
export interface Lockish {
  acquire(options?: AsyncAcquireOptions): Promise<boolean>;
  acquireSync(options?: AcquireOptions): boolean;
  release(): void;
}

/** The error of a `withLock` or `guard` that did not get the lock in time. */
export function notAcquired(kind: string, options: AcquireOptions | undefined): TimeoutError {
  return new TimeoutError(
    options?.block === false
      ? `${kind} is not free and 'block' is false`
      : `${kind} not acquired within ${options?.timeout} ms`,
  );
}

/** Runs `fn` holding `lock` (async), releasing it even if `fn` throws. */
export async function withHeld<T>(
  lock: Lockish,
  kind: string,
  fn: () => T | Promise<T>,
  options: AsyncAcquireOptions | undefined,
): Promise<T> {
  if (typeof fn !== "function") throw new TypeError(`'fn' must be a function, got ${describe(fn)}`);
  if (!(await lock.acquire(options))) throw notAcquired(kind, options);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** Runs `fn` holding `lock` (blocking to take it), releasing it even if `fn` throws. */
export function withHeldSync<T>(
  lock: Lockish,
  kind: string,
  fn: () => T,
  options: AcquireOptions | undefined,
): T {
  if (typeof fn !== "function") throw new TypeError(`'fn' must be a function, got ${describe(fn)}`);
  if (!lock.acquireSync(options)) throw notAcquired(kind, options);
  try {
    return fn();
  } finally {
    lock.release();
  }
}
