/**
 * `LockLike`, the base of every lock-like primitive (Lock, RLock, Semaphore,
 * BoundedSemaphore, Condition): on top of their acquire and release, it
 * gives `withLock(fn)` / `withLockSync(fn)` and the `LockGuard` that
 * `using _ = lock.guardSync()` holds.
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

/**
 * The base of every lock-like primitive ({@linkcode Lock}, {@linkcode RLock},
 * {@linkcode Semaphore}, {@linkcode BoundedSemaphore}, {@linkcode Condition}):
 * given `acquire`, `acquireSync` and `release`, it runs critical sections
 * (`withLock`, `withLockSync`) and hands out guards (`guard`, `guardSync`).
 * Accept a `LockLike` where any of them will do.
 *
 * @example Any lock-like primitive runs a critical section
 * ```ts
 * import { Lock, type LockLike, Semaphore } from "@tsmp/multiprocessing";
 *
 * function critical(lock: LockLike): number {
 *   return lock.withLockSync(() => 42);
 * }
 *
 * console.log(critical(new Lock()), critical(new Semaphore(2))); // 42 42
 * ```
 */
export abstract class LockLike {
  #kind: string;

  /**
   * Names the primitive for the errors of its critical sections.
   *
   * @param kind `"Lock"`, `"RLock"`, `"Semaphore"`, ...
   */
  protected constructor(kind: string) {
    this.#kind = kind;
  }

  /**
   * Takes the lock (or a permit) without blocking the thread.
   *
   * @param options `timeout` in ms, `block: false`, an abort `signal`.
   * @returns true once held; false after the timeout or when `block` is false.
   */
  abstract acquire(options?: AsyncAcquireOptions): Promise<boolean>;

  /**
   * Takes the lock (or a permit), blocking the thread while it waits.
   *
   * @param options `timeout` in ms; `block: false` tries once.
   * @returns true once held; false after the timeout or when `block` is false.
   */
  abstract acquireSync(options?: AcquireOptions): boolean;

  /** Releases the lock (or a permit). */
  abstract release(): void;

  /**
   * Runs `fn` holding the lock (or a permit), then releases it, even if
   * `fn` throws.
   *
   * @param fn The critical section; may be async.
   * @param options As for `acquire`.
   * @returns What `fn` returns.
   * @throws {TypeError} If `fn` is not a function.
   * @throws {TimeoutError} If the lock was not taken in time.
   * @throws {AbandonedLockError} If its holder ended without releasing it.
   */
  async withLock<T>(fn: () => T | Promise<T>, options?: AsyncAcquireOptions): Promise<T> {
    checkFn(fn);
    if (!(await this.acquire(options))) throw notAcquired(this.#kind, options);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /**
   * Runs `fn` holding the lock (or a permit), blocking the thread to take
   * it, then releases it, even if `fn` throws.
   *
   * @param fn The critical section.
   * @param options As for `acquireSync`.
   * @returns What `fn` returns.
   * @throws {TypeError} If `fn` is not a function.
   * @throws {TimeoutError} If the lock was not taken in time.
   * @throws {AbandonedLockError} If its holder ended without releasing it.
   */
  withLockSync<T>(fn: () => T, options?: AcquireOptions): T {
    checkFn(fn);
    if (!this.acquireSync(options)) throw notAcquired(this.#kind, options);
    try {
      return fn();
    } finally {
      this.release();
    }
  }

  /**
   * Takes the lock (or a permit) and returns a guard that releases it when
   * disposed: `using _ = await lock.guard()`.
   *
   * @param options As for `acquire`.
   * @returns The guard.
   * @throws {TimeoutError} If the lock was not taken in time.
   * @throws {AbandonedLockError} If its holder ended without releasing it.
   */
  async guard(options?: AsyncAcquireOptions): Promise<LockGuard> {
    if (!(await this.acquire(options))) throw notAcquired(this.#kind, options);
    return new LockGuard(() => this.release());
  }

  /**
   * Takes the lock (or a permit), blocking the thread, and returns a guard
   * that releases it when disposed: `using _ = lock.guardSync()`.
   *
   * @param options As for `acquireSync`.
   * @returns The guard.
   * @throws {TimeoutError} If the lock was not taken in time.
   * @throws {AbandonedLockError} If its holder ended without releasing it.
   */
  guardSync(options?: AcquireOptions): LockGuard {
    if (!this.acquireSync(options)) throw notAcquired(this.#kind, options);
    return new LockGuard(() => this.release());
  }
}

function checkFn(fn: unknown): void {
  if (typeof fn !== "function") throw new TypeError(`'fn' must be a function, got ${describe(fn)}`);
}

function notAcquired(kind: string, options: AcquireOptions | undefined): TimeoutError {
  return new TimeoutError(
    options?.block === false
      ? `${kind} is not free and 'block' is false`
      : `${kind} not acquired within ${options?.timeout} ms`,
  );
}
