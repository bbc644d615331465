/**
 * Python's `multiprocessing.Pool`: a fixed set of worker processes that run
 * a function over many inputs (`map`, `imap`, `starmap`) or one call at a
 * time (`apply`). Functions reach the workers as `Process` targets do:
 * exported functions by reference, self-contained lambdas by source.
 *
 * Unlike Python's, this pool never hangs: a task whose worker dies fails
 * with {@linkcode WorkerLostError} and the worker is replaced; a task can
 * have a `timeout` or a `signal` that stops it; `terminate()` settles every
 * outstanding task.
 *
 * @module
 */

import { TimeoutError } from "./internal/errors.ts";
import { PoolCore, SCHEDULER, type Scheduler, type SchedulerHook } from "./internal/pool/core.ts";
import { LocalCore } from "./internal/pool/local.ts";
import { BrokenPoolError, PoolNotRunningError, WorkerLostError } from "./internal/pool/errors.ts";
import { APPLY, MAP, STARMAP } from "./internal/pool/protocol.ts";
import { AsyncResult, IMapIterator, StopIteration } from "./internal/pool/results.ts";
import { argList, chunkSource } from "./internal/pool/imap.ts";
import { workerSettings } from "./internal/pool/options.ts";
import { callerModules, resolveTarget, type TargetRef } from "./internal/target/resolve.ts";
import { placeArgs } from "./internal/target/kwargs.ts";
import { describe } from "./internal/wait/futex.ts";
import { blockingOptions, optionsOf, TIMEOUT_SIGNAL } from "./internal/options.ts";
import { cpuCount } from "./process.ts";
import { START_METHOD, type StartMethod } from "./internal/process/start.ts";
import { printAsString } from "./internal/inspect.ts";

export { BrokenPoolError, PoolNotRunningError, TimeoutError, WorkerLostError };
export { AsyncResult, IMapIterator, StopIteration };
export type { GetOptions, NextOptions } from "./internal/pool/results.ts";

/** A function a pool runs: any arguments, any result. */
// deno-lint-ignore no-explicit-any
export type PoolFunction = (...args: any[]) => unknown;

/** What `map` and `imap` take: an iterable or an async iterable. */
export type AnyIterable<T> = Iterable<T> | AsyncIterable<T>;

type Fn = PoolFunction;

/** Options for {@linkcode Pool}. */
export interface PoolOptions {
  /** Worker processes; Python's `processes`. @default {cpuCount()} */
  processes?: number;
  /** Called in each worker, with `initargs`, before its first task. Export it. @default {undefined} */
  initializer?: PoolFunction;
  /** Arguments of `initializer`; shared objects (Queue, Lock, Value...) may be among them. @default {[]} */
  initargs?: unknown[];
  /** Tasks a worker runs before it is replaced by a fresh one. @default {undefined} (no limit) */
  maxtasksperchild?: number | null;
}

/** Options for one task of {@linkcode Pool.prototype.apply}. */
export interface ApplyOptions {
  /** Milliseconds the task may run, from when it starts; then its worker is stopped. @default {Infinity} */
  timeout?: number;
  /** Stops the task (and its worker, if it runs) when aborted. */
  signal?: AbortSignal;
}

/** Callbacks of the async methods, run in this process when the result is there. */
export interface CallbackOptions<T> {
  /** Called with the value. @default {undefined} */
  callback?: (value: T) => void;
  /** Called with the error. @default {undefined} */
  errorCallback?: (error: unknown) => void;
}

/** Options for {@linkcode Pool.prototype.applyAsync}. */
export interface ApplyAsyncOptions<T> extends ApplyOptions, CallbackOptions<T> {}

type Input<T> = AnyIterable<T>;

const POOL_KEYS = ["processes", "initializer", "initargs", "maxtasksperchild"];
const CALLBACK_KEYS = ["callback", "errorCallback"];
const APPLY_ASYNC_KEYS = [...TIMEOUT_SIGNAL, ...CALLBACK_KEYS];

// Set by ThreadPool's constructor just before it calls Pool's: which
// scheduler the pool runs on.
let threadPoolNext = false;

/**
 * A pool of worker processes. `await using pool = new Pool(n)` terminates
 * it at the end of the block, as Python's `with Pool(n) as pool:` does;
 * `close()` then `await join()` lets queued work finish first.
 *
 * @example map over a list
 * ```ts
 * import { Pool } from "@tsmp/multiprocessing";
 *
 * export function square(n: number): number {
 *   return n * n;
 * }
 *
 * if (import.meta.main) {
 *   await using pool = new Pool(4);
 *   console.log(await pool.map(square, [1, 2, 3, 4])); // [ 1, 4, 9, 16 ]
 * }
 * ```
 *
 * @example Inline functions, timeouts, close and join
 * ```ts
 * import { Pool, TimeoutError } from "@tsmp/multiprocessing";
 *
 * if (import.meta.main) {
 *   const pool = new Pool(2);
 *   console.log(await pool.map((x: number) => x + 1, [1, 2, 3])); // [ 2, 3, 4 ]
 *   try {
 *     await pool.apply(() => { while (true); }, [], {}, { timeout: 100 });
 *   } catch (error) {
 *     console.log(error instanceof TimeoutError); // true
 *   }
 *   pool.close();
 *   await pool.join();
 * }
 * ```
 */
export class Pool implements AsyncDisposable {
  #core: Scheduler;
  #local: boolean;
  #processes: number;
  #admitting = new Set<Promise<unknown>>();

  /**
   * Starts the worker processes.
   *
   * @param processes How many workers (or all options in one object). @default {cpuCount()}
   * @param options `initializer`, `initargs`, `maxtasksperchild`.
   * @throws {RangeError} If `processes` or `maxtasksperchild` is not an integer of at least 1.
   * @throws {TypeError} If `initializer` is not a function, or `initargs` is not an
   * array or holds something that cannot be sent to a worker.
   */
  constructor(processes?: number | PoolOptions | null, options: PoolOptions = {}) {
    const local = this.#local = threadPoolNext;
    threadPoolNext = false;
    if (typeof processes === "object" && processes !== null) {
      options = processes;
      processes = options.processes;
    }
    const hook = (options as { [SCHEDULER]?: SchedulerHook } | null)?.[SCHEDULER];
    if (hook) {
      this.#core = hook.scheduler;
      this.#processes = hook.processes;
      return;
    }
    const { count: n, initializer, initargs, maxTasks } = workerSettings<PoolFunction>(
      processes,
      cpuCount(),
      options,
      { call: "new Pool", keys: POOL_KEYS, count: "processes", maxTasks: "maxtasksperchild" },
    );
    this.#processes = n;
    const brokenError = (message: string, cause?: unknown): Error =>
      new BrokenPoolError(message, { cause });
    this.#core = local
      ? new LocalCore({
        processes: n,
        initializer,
        initargs,
        maxTasks,
        brokenError,
      })
      : new PoolCore({
        processes: n,
        initializer: initializer ? resolveTarget(initializer, callerModules()) : null,
        initargs,
        maxTasks,
        name: "SpawnPoolWorker",
        onDeath: "replace",
        brokenError,
        startMethod: (options as { [START_METHOD]?: StartMethod })[START_METHOD],
      });
  }

  /**
   * Calls `func(...args)` in a worker and waits for its value.
   *
   * @param func The function; export it, or make it self-contained.
   * @param args Its positional arguments. @default {[]}
   * @param kwds Arguments by parameter name, placed where `func` declares them. @default {{}}
   * @param options `timeout` (ms from the task's start) and `signal`.
   * @returns The function's value.
   * @throws {TypeError} For a `func` that is not a function, or arguments that cannot be sent.
   * @throws {PoolNotRunningError} After `close()` or `terminate()` ("Pool not running").
   * @throws {TimeoutError} (rejection) When the task outruns `timeout`.
   * @throws {WorkerLostError} (rejection) When its worker dies while running it.
   * @throws (rejection) The function's own error, with its class, message and stack.
   */
  apply<A extends unknown[], R>(
    func: (...args: A) => R,
    args?: A,
    kwds?: Record<string, unknown>,
    options?: ApplyOptions,
  ): Promise<Awaited<R>> {
    return this.#apply<Awaited<R>>(func, args, kwds, options ?? {}, "Pool.apply", TIMEOUT_SIGNAL)
      .promise;
  }

  /**
   * {@linkcode Pool.prototype.apply} without waiting: returns an
   * {@linkcode AsyncResult} (awaitable).
   *
   * @param func The function.
   * @param args Its positional arguments. @default {[]}
   * @param kwds Arguments by parameter name. @default {{}}
   * @param options `callback`, `errorCallback`, `timeout`, `signal`.
   * @returns The result, later.
   * @throws {TypeError} For bad arguments.
   * @throws {PoolNotRunningError} After `close()` or `terminate()`.
   */
  applyAsync<A extends unknown[], R>(
    func: (...args: A) => R,
    args?: A,
    kwds?: Record<string, unknown>,
    options?: ApplyAsyncOptions<Awaited<R>>,
  ): AsyncResult<Awaited<R>> {
    const opts = options ?? {};
    const { promise } = this.#apply<Awaited<R>>(
      func,
      args,
      kwds,
      opts,
      "Pool.applyAsync",
      APPLY_ASYNC_KEYS,
    );
    return withCallbacks(promise, opts, "Pool.applyAsync", APPLY_ASYNC_KEYS);
  }

  #apply<R>(
    func: Fn,
    args: unknown[] | undefined,
    kwds: Record<string, unknown> | undefined,
    options: ApplyOptions,
    call: string,
    keys: readonly string[],
  ): { promise: Promise<R> } {
    const ref = this.#target(func);
    if (args !== undefined && !Array.isArray(args)) {
      throw new TypeError(`'args' must be an array, got ${describe(args)}`);
    }
    if (kwds !== undefined && (typeof kwds !== "object" || kwds === null || Array.isArray(kwds))) {
      throw new TypeError(`'kwds' must be an object of arguments by name, got ${describe(kwds)}`);
    }
    const { signal } = blockingOptions(call, options, keys);
    const timeout = options.timeout ?? undefined;
    const payload = placeArgs(func, ref.source, args ?? [], kwds);
    this.#checkRunning();
    const promise = new Promise<R>((resolve, reject) => {
      this.#core.submit({
        kind: APPLY,
        fn: func,
        ref,
        payload,
        timeout: timeout === Infinity || timeout === undefined ? undefined : Math.max(0, timeout),
        signal,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
    });
    return { promise };
  }

  /**
   * Calls `func` on each item, in the workers, and returns the values in
   * order. The input is cut into chunks of `chunksize` items, one task each
   * (Python's default: `ceil(len / (4 * processes))`). The first error
   * rejects the whole map.
   *
   * @param func The function of one item.
   * @param iterable The items (an array, any iterable, or an async iterable).
   * @param chunksize Items per task. @default {ceil(len / (4 * processes))}
   * @returns The values, in input order.
   * @throws {TypeError} For a non-function, a non-iterable, or items that cannot be sent.
   * @throws {RangeError} For a `chunksize` that is not an integer of at least 1.
   * @throws {PoolNotRunningError} After `close()` or `terminate()`.
   */
  map<T, R>(
    func: (item: T) => R,
    iterable: AnyIterable<T>,
    chunksize?: number,
  ): Promise<Awaited<R>[]> {
    return this.#map(func, iterable, chunksize, MAP) as Promise<Awaited<R>[]>;
  }

  /**
   * {@linkcode Pool.prototype.map} without waiting.
   *
   * @param func The function of one item.
   * @param iterable The items.
   * @param chunksize Items per task. @default {ceil(len / (4 * processes))}
   * @param options `callback` (with the whole list) and `errorCallback`.
   * @returns The list of values, later.
   * @throws {TypeError} For bad arguments.
   * @throws {PoolNotRunningError} After `close()` or `terminate()`.
   */
  mapAsync<T, R>(
    func: (item: T) => R,
    iterable: AnyIterable<T>,
    chunksize?: number,
    options: CallbackOptions<Awaited<R>[]> = {},
  ): AsyncResult<Awaited<R>[]> {
    optionsOf("Pool.mapAsync", options, CALLBACK_KEYS);
    return withCallbacks(
      this.#map(func, iterable, chunksize, MAP) as Promise<Awaited<R>[]>,
      options,
      "Pool.mapAsync",
    );
  }

  /**
   * Like {@linkcode Pool.prototype.map}, with each item an argument list:
   * `starmap(f, [[1, 2], [3, 4]])` is `[f(1, 2), f(3, 4)]`.
   *
   * @param func The function.
   * @param iterable Argument lists.
   * @param chunksize Items per task. @default {ceil(len / (4 * processes))}
   * @returns The values, in input order.
   * @throws {TypeError} For bad arguments, or an item that is not iterable.
   * @throws {PoolNotRunningError} After `close()` or `terminate()`.
   */
  starmap<A extends unknown[], R>(
    func: (...args: A) => R,
    iterable: AnyIterable<A>,
    chunksize?: number,
  ): Promise<Awaited<R>[]> {
    return this.#map(func, iterable, chunksize, STARMAP) as Promise<Awaited<R>[]>;
  }

  /**
   * {@linkcode Pool.prototype.starmap} without waiting.
   *
   * @param func The function.
   * @param iterable Argument lists.
   * @param chunksize Items per task.
   * @param options `callback` and `errorCallback`.
   * @returns The list of values, later.
   * @throws {TypeError} For bad arguments.
   * @throws {PoolNotRunningError} After `close()` or `terminate()`.
   */
  starmapAsync<A extends unknown[], R>(
    func: (...args: A) => R,
    iterable: AnyIterable<A>,
    chunksize?: number,
    options: CallbackOptions<Awaited<R>[]> = {},
  ): AsyncResult<Awaited<R>[]> {
    optionsOf("Pool.starmapAsync", options, CALLBACK_KEYS);
    return withCallbacks(
      this.#map(func, iterable, chunksize, STARMAP) as Promise<Awaited<R>[]>,
      options,
      "Pool.starmapAsync",
    );
  }

  #map(
    func: Fn,
    iterable: unknown,
    chunksize: number | undefined,
    kind: number,
  ): Promise<unknown[]> {
    const ref = this.#target(func);
    checkIterable(iterable);
    checkChunksize(chunksize, true);
    this.#checkRunning();
    if (typeof iterable === "string" || Symbol.iterator in (iterable as object)) {
      // The arguments are valid: from here on a failure (a generator that
      // throws, a starmap item that is not a list) rejects, as it would for
      // an async iterable, and never throws at the caller.
      try {
        // An array is read, never changed, so it need not be copied (starmap
        // replaces items by argument lists: it gets a copy).
        const items = Array.isArray(iterable) && kind === MAP
          ? iterable
          : Array.from(iterable as Iterable<unknown>);
        return this.#submitAll(func, ref, items, chunksize, kind);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#admit((async () => {
      const items: unknown[] = [];
      for await (const item of iterable as AsyncIterable<unknown>) items.push(item);
      return this.#submitAll(func, ref, items, chunksize, kind);
    })());
  }

  #submitAll(
    func: Fn,
    ref: TargetRef,
    items: unknown[],
    chunksize: number | undefined,
    kind: number,
  ): Promise<unknown[]> {
    const len = items.length;
    if (len === 0) return Promise.resolve([]);
    if (kind === STARMAP) { for (let i = 0; i < len; i++) items[i] = argList(items[i], i); }
    const size = chunksize ?? Math.ceil(len / (4 * this.#processes));
    const chunks = Math.ceil(len / size);
    // Few chunks (the default chunksize makes 4 per process): joined once
    // all are in, by one native concat, so that the result is allocated
    // once, in the kind its values need (filling a `new Array(len)` of
    // numbers reallocates it from small integers to doubles: for 100,000
    // items two large allocations, each ~2.5 ms of page faults in Node).
    // Many chunks: filled in input order, each chunk as soon as those
    // before it are in (V8 keeps a long array made by `new Array(len)` in
    // its slow dictionary form while it is mostly holes, and an in-order
    // fill ends that early).
    const joined = chunks <= JOIN_CHUNKS;
    const out = joined ? [] : new Array(len);
    const parts: Array<ArrayLike<unknown> | undefined> = [];
    let next = 0;
    let filled = 0;
    let left = chunks;
    return new Promise((resolve, reject) => {
      for (let at = 0, k = 0; at < len; at += size, k++) {
        const end = Math.min(at + size, len);
        // A list of our own (no keys but its indices): a slice, or the
        // input itself when it is one chunk (its other keys are never read).
        // Sliced only if the scheduler asks: the process pool reads a map's
        // or starmap's chunk straight from the input (a slice per chunk was
        // 800 KB of garbage a map of 100,000 numbers, for the collector to copy).
        let chunk: unknown[] | undefined = size === len ? items : undefined;
        this.#core.submit({
          kind,
          fn: func,
          ref,
          get payload(): unknown[] {
            return chunk ??= items.slice(at, end);
          },
          source: items,
          offset: at,
          end,
          resolve: (values) => {
            parts[k] = values as ArrayLike<unknown>;
            if (joined) {
              if (--left > 0) return;
              const lists = parts.map((p) => (Array.isArray(p) ? p : Array.from(p!)));
              // A chunk's list is new (decoded, or made by the scheduler): the only one is the result.
              resolve(lists.length === 1 ? lists[0] : out.concat(...lists));
              return;
            }
            for (let part = parts[next]; part !== undefined; part = parts[next]) {
              parts[next++] = undefined;
              for (let j = 0; j < part.length; j++) out[filled + j] = part[j];
              filled += part.length;
            }
            if (filled === len) resolve(out);
          },
          reject,
        });
      }
    });
  }

  /**
   * Like {@linkcode Pool.prototype.map}, but streams: an async iterable that
   * yields each value, in order, as soon as it is there. The input (which
   * may be an async iterable) is read only as far ahead as the workers need.
   *
   * @param func The function of one item.
   * @param iterable The items.
   * @param chunksize Items per task. @default {1}
   * @returns An async iterable of the values.
   * @throws {TypeError} For bad arguments.
   * @throws {RangeError} For a bad `chunksize`.
   * @throws {PoolNotRunningError} After `close()` or `terminate()`.
   */
  imap<T, R>(
    func: (item: T) => R,
    iterable: AnyIterable<T>,
    chunksize = 1,
  ): IMapIterator<Awaited<R>> {
    return this.#imap(func, iterable, chunksize, MAP, true) as IMapIterator<Awaited<R>>;
  }

  /**
   * Like {@linkcode Pool.prototype.imap}, in the order the values are
   * ready rather than the input order.
   *
   * @param func The function of one item.
   * @param iterable The items.
   * @param chunksize Items per task. @default {1}
   * @returns An async iterable of the values.
   * @throws {TypeError} For bad arguments.
   * @throws {RangeError} For a bad `chunksize`.
   * @throws {PoolNotRunningError} After `close()` or `terminate()`.
   */
  imapUnordered<T, R>(
    func: (item: T) => R,
    iterable: AnyIterable<T>,
    chunksize = 1,
  ): IMapIterator<Awaited<R>> {
    return this.#imap(func, iterable, chunksize, MAP, false) as IMapIterator<Awaited<R>>;
  }

  #imap(
    func: Fn,
    iterable: unknown,
    chunksize: number,
    kind: number,
    ordered: boolean,
  ): IMapIterator<unknown> {
    const ref = this.#target(func);
    checkIterable(iterable);
    checkChunksize(chunksize, false);
    this.#checkRunning();
    // Chunks in flight or waiting to be read: enough to keep every worker
    // busy, few enough that the input is never read far ahead.
    const window = Math.max(4 * this.#processes, Math.ceil(2048 / chunksize));
    const source = chunkSource(this.#core, {
      fn: func,
      ref,
      iterable: iterable as AnyIterable<unknown>,
      chunksize,
      kind,
      window,
      admit: (feed) => void this.#admit(feed),
    });
    return new IMapIterator(source, ordered);
  }

  /**
   * Shows its state and size, as Python's repr does.
   *
   * @returns `<Pool state=RUN pool_size=4>` (`CLOSE` after `close()`,
   * `TERMINATE` after `terminate()` or once broken).
   */
  toString(): string {
    const state = this.#core.running ? "RUN" : this.#core.alive ? "CLOSE" : "TERMINATE";
    return `<${this.constructor.name} state=${state} pool_size=${this.#processes}>`;
  }

  /**
   * Accepts no more work; what is queued still runs. Then
   * {@linkcode Pool.prototype.join} waits for it.
   */
  close(): void {
    this.#core.close();
  }

  /**
   * Stops the workers now. Outstanding tasks reject with an error saying
   * the pool was terminated (Python's never settle).
   *
   * @returns When every worker has ended.
   */
  terminate(): Promise<void> {
    return this.#core.terminate(
      new PoolNotRunningError("Pool was terminated before the task finished"),
    );
  }

  /**
   * Waits for the queued work to finish and the workers to end, after
   * {@linkcode Pool.prototype.close} or {@linkcode Pool.prototype.terminate}.
   *
   * @returns When every worker has ended.
   * @throws {Error} If the pool is still running (call `close()` first), as in Python.
   */
  async join(): Promise<void> {
    if (this.#core.running) {
      throw new Error("Pool is still running: call close() or terminate() before join()");
    }
    while (this.#admitting.size > 0) await Promise.allSettled([...this.#admitting]);
    await this.#core.join();
  }

  /** `await using pool = new Pool()`: terminates the pool, as Python's `with` does. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.terminate();
  }

  #target(func: unknown): TargetRef {
    if (typeof func !== "function") {
      throw new TypeError(`'func' must be a function, got ${describe(func)}`);
    }
    // A ThreadPool calls the function itself: nothing to find or send.
    if (this.#local) return { name: func.name, source: String(func), modules: [], isClass: false };
    return resolveTarget(func as Fn, callerModules());
  }

  #checkRunning(): void {
    if (this.#core.broken) throw this.#core.broken;
    if (!this.#core.running) throw new PoolNotRunningError();
  }

  #admit<T>(promise: Promise<T>): Promise<T> {
    this.#admitting.add(promise);
    const done = (): void => void this.#admitting.delete(promise);
    promise.then(done, done);
    return promise;
  }
}

printAsString(Pool);

function withCallbacks<T>(
  promise: Promise<T>,
  options: CallbackOptions<T>,
  call: string,
  keys: readonly string[] = CALLBACK_KEYS,
): AsyncResult<T> {
  const { callback, errorCallback } = optionsOf(call, options, keys);
  if (callback !== undefined && typeof callback !== "function") {
    throw new TypeError(`'callback' must be a function, got ${describe(callback)}`);
  }
  if (errorCallback !== undefined && typeof errorCallback !== "function") {
    throw new TypeError(`'errorCallback' must be a function, got ${describe(errorCallback)}`);
  }
  promise.then(
    (value) => safely(callback, value),
    (error) => safely(errorCallback, error),
  );
  return new AsyncResult(promise);
}

function safely(fn: ((arg: never) => void) | undefined, arg: unknown): void {
  if (!fn) return;
  try {
    fn(arg as never);
  } catch (error) {
    // Python's result handler would die here; we report and go on.
    console.error("Exception in a Pool callback:", error);
  }
}

function checkIterable(iterable: unknown): void {
  if (
    typeof iterable === "string" ||
    (typeof iterable === "object" && iterable !== null &&
      (Symbol.iterator in iterable || Symbol.asyncIterator in iterable))
  ) return;
  throw new TypeError(
    `'iterable' must be an iterable or async iterable, got ${describe(iterable)}`,
  );
}

// Results of at most this many chunks are joined by one concat (see #submitAll).
const JOIN_CHUNKS = 64;

function checkChunksize(chunksize: unknown, optional: boolean): void {
  if (chunksize === undefined && optional) return;
  if (typeof chunksize !== "number") {
    throw new TypeError(`'chunksize' must be a number, got ${describe(chunksize)}`);
  }
  if (!Number.isInteger(chunksize) || chunksize < 1) {
    throw new RangeError(`'chunksize' must be an integer of at least 1, got ${chunksize}`);
  }
}

/**
 * Python's `multiprocessing.pool.ThreadPool`: the {@linkcode Pool} API with
 * its tasks run on this thread's event loop, at most `processes` at a time,
 * as `ThreadPoolExecutor` runs them. Meant for I/O-bound work
 * (fetches, file reads, timers), which JavaScript already runs concurrently:
 * the pool bounds how many are in flight. Closures work and nothing is
 * copied. The `initializer` runs once per lane (Python: once per thread)
 * before its first task, and again after `maxtasksperchild` tasks.
 *
 * A task's `timeout` or `signal` rejects it and frees its lane, but cannot
 * stop the call, which shares this thread (Python's threads cannot be
 * stopped either); `terminate()` rejects every outstanding task the same way.
 *
 * @example A map of I/O tasks, two at a time
 * ```ts
 * import { ThreadPool } from "@tsmp/multiprocessing";
 *
 * async function fetchLength(n: number): Promise<number> {
 *   await new Promise((r) => setTimeout(r, 10)); // an I/O wait
 *   return String(n).length;
 * }
 *
 * await using pool = new ThreadPool(2);
 * console.log(await pool.map(fetchLength, [1, 22, 333])); // [ 1, 2, 3 ]
 * ```
 */
export class ThreadPool extends Pool {
  /**
   * Makes the pool (no thread or process is started).
   *
   * @param processes Tasks in flight at most (Python's threads), or all options in one object. @default {cpuCount()}
   * @param options `initializer`, `initargs`, `maxtasksperchild`.
   * @throws {RangeError} If `processes` or `maxtasksperchild` is not an integer of at least 1.
   * @throws {TypeError} If `initializer` is not a function or `initargs` not an array.
   */
  constructor(processes?: number | PoolOptions | null, options: PoolOptions = {}) {
    threadPoolNext = true;
    super(processes, options);
  }
}
