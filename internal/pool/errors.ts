/**
 * The errors of `Pool` and the executors, re-exported by `pool.ts` and
 * `futures.ts`.
 *
 * @module
 */

/**
 * A pool worker ended (it exited, crashed or was killed) while running a
 * task; the task fails with this error and the pool replaces the worker.
 *
 * @example Telling a lost worker apart
 * ```ts
 * import { Pool, WorkerLostError } from "@tsmp/multiprocessing";
 *
 * export function quit(): void {
 *   (globalThis as { process?: { exit(code: number): void } }).process?.exit(3);
 * }
 *
 * if (import.meta.main) {
 *   await using pool = new Pool(1);
 *   try {
 *     await pool.apply(quit);
 *   } catch (error) {
 *     console.log(error instanceof WorkerLostError); // true
 *   }
 * }
 * ```
 */
export class WorkerLostError extends Error {
  /** The worker's exit code (negative: stopped by a signal-like terminate or kill). */
  readonly exitcode: number | null;
  /**
   * Makes the error.
   *
   * @param message What happened.
   * @param exitcode The worker's exit code.
   * @param options `cause`: the worker's uncaught error, if any.
   */
  constructor(message: string, exitcode: number | null, options?: ErrorOptions) {
    super(message, options);
    this.name = "WorkerLostError";
    this.exitcode = exitcode;
  }
}

/**
 * An executor that can no longer run work. Python's `BrokenExecutor`.
 *
 * @example
 * ```ts
 * import { BrokenExecutor, BrokenProcessPool } from "@tsmp/multiprocessing";
 * console.log(new BrokenProcessPool("x") instanceof BrokenExecutor); // true
 * ```
 */
export class BrokenExecutor extends Error {
  /**
   * Makes the error.
   *
   * @param message What broke.
   * @param options `cause`, as for `Error`.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokenExecutor";
  }
}

/**
 * A worker of a `ProcessPoolExecutor` ended abruptly (it exited, crashed or
 * was killed, or failed to start): its running and pending futures fail
 * with this error, and so does every later `submit`, as in Python.
 *
 * @example
 * ```ts
 * import { BrokenProcessPool } from "@tsmp/multiprocessing";
 * console.log(new BrokenProcessPool("x").name); // "BrokenProcessPool"
 * ```
 */
export class BrokenProcessPool extends BrokenExecutor {
  /**
   * Makes the error.
   *
   * @param message What broke.
   * @param options `cause`: the worker's error or exit.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokenProcessPool";
  }
}

/**
 * An initializer of a `ThreadPoolExecutor` threw: the call that was to run
 * after it and every pending one fail with this error, and so does every
 * later `submit`, as Python's `BrokenThreadPool`.
 *
 * @example
 * ```ts
 * import { BrokenExecutor, BrokenThreadPool } from "@tsmp/multiprocessing";
 * console.log(new BrokenThreadPool("x") instanceof BrokenExecutor); // true
 * ```
 */
export class BrokenThreadPool extends BrokenExecutor {
  /**
   * Makes the error.
   *
   * @param message What broke.
   * @param options `cause`: the initializer's error.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokenThreadPool";
  }
}

/**
 * The future was cancelled: what `result()` throws for it.
 *
 * @example
 * ```ts
 * import { CancelledError } from "@tsmp/multiprocessing";
 * console.log(new CancelledError().name); // "CancelledError"
 * ```
 */
export class CancelledError extends Error {
  /**
   * Makes the error.
   *
   * @param message What was cancelled.
   * @param options `cause`, as for `Error`.
   */
  constructor(message = "The future was cancelled", options?: ErrorOptions) {
    super(message, options);
    this.name = "CancelledError";
  }
}

/**
 * Raised by a `Pool` method that hands out work after `close()` or
 * `terminate()` ("Pool not running", Python's `ValueError`), and what the
 * tasks still outstanding at `terminate()` reject with.
 *
 * @example Submitting to a closed pool
 * ```ts
 * import { Pool, PoolNotRunningError } from "@tsmp/multiprocessing";
 *
 * export function double(x: number): number {
 *   return 2 * x;
 * }
 *
 * if (import.meta.main) {
 *   const pool = new Pool(1);
 *   pool.close();
 *   try {
 *     await pool.apply(double, [1]);
 *   } catch (error) {
 *     console.log(error instanceof PoolNotRunningError); // true
 *   }
 *   await pool.join();
 * }
 * ```
 */
export class PoolNotRunningError extends Error {
  /**
   * A `PoolNotRunningError`.
   *
   * @param message What could not run.
   * @param options `cause`, as for `Error`.
   */
  constructor(message = "Pool not running", options?: ErrorOptions) {
    super(message, options);
    this.name = "PoolNotRunningError";
  }
}

/**
 * A `Pool` whose workers could not be started (an `initializer` that throws,
 * a worker that fails to load): every outstanding and later task fails with
 * this error, whose `cause` is the worker's error. Python's pool would
 * start workers again forever.
 *
 * @example Telling a broken pool apart
 * ```ts
 * import { BrokenPoolError, Pool } from "@tsmp/multiprocessing";
 *
 * export function fail(): void {
 *   throw new Error("no database");
 * }
 *
 * export function double(x: number): number {
 *   return 2 * x;
 * }
 *
 * if (import.meta.main) {
 *   await using pool = new Pool(1, { initializer: fail });
 *   try {
 *     await pool.apply(double, [1]);
 *   } catch (error) {
 *     console.log(error instanceof BrokenPoolError); // true
 *   }
 * }
 * ```
 */
export class BrokenPoolError extends Error {
  /**
   * A `BrokenPoolError`.
   *
   * @param message What broke.
   * @param options `cause`: the worker's error or exit.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BrokenPoolError";
  }
}

/**
 * Raised by `submit` and `map` on an executor after `shutdown()`
 * ("cannot schedule new futures after shutdown", Python's `RuntimeError`).
 *
 * @example Submitting after shutdown
 * ```ts
 * import { ExecutorShutdownError, ThreadPoolExecutor } from "@tsmp/multiprocessing";
 *
 * const executor = new ThreadPoolExecutor();
 * await executor.shutdown();
 * try {
 *   executor.submit(() => 1);
 * } catch (error) {
 *   console.log(error instanceof ExecutorShutdownError); // true
 * }
 * ```
 */
export class ExecutorShutdownError extends Error {
  /**
   * An `ExecutorShutdownError`.
   *
   * @param message What could not be scheduled.
   * @param options `cause`, as for `Error`.
   */
  constructor(message = "cannot schedule new futures after shutdown", options?: ErrorOptions) {
    super(message, options);
    this.name = "ExecutorShutdownError";
  }
}
