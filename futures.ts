/**
 * Python's `concurrent.futures`: `ProcessPoolExecutor` (worker processes,
 * on the same scheduler as `Pool`) and `ThreadPoolExecutor` (calls on this
 * thread's event loop, at most `maxWorkers` at a time), both handing back
 * {@linkcode Future}s; `asCompleted` and `wait` over futures.
 *
 * @module
 */

import {
  PoolCore,
  SCHEDULER,
  type Scheduler,
  type SchedulerHook,
  type TaskSpec,
} from "./internal/pool/core.ts";
import { Future, futureControl } from "./internal/pool/future.ts";
import {
  BrokenProcessPool,
  BrokenThreadPool,
  ExecutorShutdownError,
} from "./internal/pool/errors.ts";
import { APPLY, STARMAP } from "./internal/pool/protocol.ts";
import { workerSettings } from "./internal/pool/options.ts";
import { callerModules, resolveTarget } from "./internal/target/resolve.ts";
import { describe, remaining } from "./internal/wait/futex.ts";
import { afterWaiting, deadlineAfter, optionsOf } from "./internal/options.ts";
import { TimeoutError } from "./internal/errors.ts";
import { cpuCount } from "./process.ts";

export {
  BrokenExecutor,
  BrokenProcessPool,
  BrokenThreadPool,
  CancelledError,
  ExecutorShutdownError,
} from "./internal/pool/errors.ts";
export {
  ALL_COMPLETED,
  asCompleted,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  wait,
} from "./internal/pool/future.ts";
export type {
  AsCompletedOptions,
  DoneAndNotDone,
  FuturesWaitOptions,
  ResultOptions,
} from "./internal/pool/future.ts";

import type { PoolFunction } from "./pool.ts";
import { printAsString } from "./internal/inspect.ts";

type Fn = PoolFunction;

/**
 * The iterables {@linkcode Executor.prototype.map} takes for a function of
 * parameters `A`: one per parameter, each of items of that parameter's type.
 */
export type IterablesOf<A extends unknown[]> = {
  [K in keyof A]: Iterable<A[K]> | AsyncIterable<A[K]>;
};

/** Options for `map` of the executors. */
export interface ExecutorMapOptions {
  /** Milliseconds from the call until each result must be there. @default {Infinity} */
  timeout?: number;
  /** Items per task sent to a worker (ProcessPoolExecutor only). @default {1} */
  chunksize?: number;
}

/** Options for `shutdown` of the executors. */
export interface ShutdownOptions {
  /** Wait for the submitted calls to finish. @default {true} */
  wait?: boolean;
  /** Cancel the calls that have not started. @default {false} */
  cancelFutures?: boolean;
}

/** Options for {@linkcode ProcessPoolExecutor}. */
export interface ProcessPoolExecutorOptions {
  /** Called in each worker, with `initargs`, before its first call. Export it. @default {undefined} */
  initializer?: PoolFunction;
  /** Arguments of `initializer`; shared objects may be among them. @default {[]} */
  initargs?: unknown[];
  /** Calls a worker runs before it is replaced. @default {undefined} (no limit) */
  maxTasksPerChild?: number | null;
}

/** Options for {@linkcode ThreadPoolExecutor}. */
export interface ThreadPoolExecutorOptions {
  /**
   * Called (and awaited) with `initargs` once for each of the executor's
   * workers, before its first call; if it throws, the executor is broken
   * ({@linkcode BrokenThreadPool}). @default {undefined}
   */
  initializer?: PoolFunction;
  /** Arguments of `initializer`. @default {[]} */
  initargs?: unknown[];
}

/**
 * What both executors share: `submit`, `map`, `shutdown`, and `await using`.
 * Python's `concurrent.futures.Executor`.
 *
 * @example Any executor
 * ```ts
 * import { type Executor, ThreadPoolExecutor } from "@tsmp/multiprocessing";
 *
 * async function total(ex: Executor, xs: number[]): Promise<number> {
 *   let sum = 0;
 *   for await (const y of ex.map((x: number) => x * 2, xs)) sum += y as number;
 *   return sum;
 * }
 * await using ex = new ThreadPoolExecutor(2);
 * console.log(await total(ex, [1, 2, 3])); // 12
 * ```
 */
export abstract class Executor implements AsyncDisposable {
  #shutdown = false;

  /**
   * Schedules `fn(...args)`.
   *
   * @param fn The function.
   * @param args Its arguments.
   * @returns Its future.
   */
  abstract submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Future<Awaited<R>>;

  /**
   * Runs a chunk of argument lists as one unit, resolving to their values.
   *
   * @param fn The function.
   * @param argLists One argument list per call.
   * @returns The future of the values.
   */
  protected abstract submitChunk(fn: PoolFunction, argLists: unknown[][]): Future<unknown[]>;

  /**
   * Waits for the calls in flight, or lets them finish on their own.
   *
   * @param wait Whether to wait.
   * @param cancelFutures Whether to cancel the calls not started.
   * @returns When done.
   */
  protected abstract finish(wait: boolean, cancelFutures: boolean): Promise<void>;

  /** Whether `shutdown()` was called. */
  protected get isShutdown(): boolean {
    return this.#shutdown;
  }

  /** Throws if nothing more may be submitted. */
  protected checkOpen(): void {
    if (this.#shutdown) throw new ExecutorShutdownError();
  }

  /**
   * Calls `fn` on the items of the iterables taken together (as Python's
   * `map(fn, *iterables)`: `map(add, [1, 2], [10, 20])` → 11, 22, stopping
   * at the shortest). Every call is submitted at once; results come in
   * order, as an async iterable. Pass options last:
   * `map(fn, xs, { timeout: 1000 })`.
   *
   * @param fn The function.
   * @param rest The iterables (sync or async), then optionally `{ timeout, chunksize }`.
   * @returns An async iterable of the values, in order.
   * @throws {TypeError} For a non-function or a non-iterable.
   * @throws {ExecutorShutdownError} After `shutdown()`.
   * @throws {TimeoutError} (while iterating) When a result is not there by `timeout`.
   */
  map<A extends unknown[], R>(
    fn: (...args: A) => R,
    ...rest: [...IterablesOf<A>] | [...IterablesOf<A>, ExecutorMapOptions]
  ): AsyncIterableIterator<Awaited<R>> {
    if (typeof fn !== "function") {
      throw new TypeError(`'fn' must be a function, got ${describe(fn)}`);
    }
    let options: ExecutorMapOptions = {};
    const last = rest[rest.length - 1];
    if (
      typeof last === "object" && last !== null && !(Symbol.iterator in last) &&
      !(Symbol.asyncIterator in last)
    ) {
      options = rest.pop() as ExecutorMapOptions;
    }
    const iterables = rest as Array<Iterable<unknown> | AsyncIterable<unknown>>;
    iterables.forEach((it, i) => {
      if (
        typeof it !== "string" &&
        (typeof it !== "object" || it === null ||
          !(Symbol.iterator in it || Symbol.asyncIterator in it))
      ) {
        throw new TypeError(
          `iterable ${i} must be an iterable or async iterable, got ${describe(it)}`,
        );
      }
    });
    const { timeout, chunksize = 1 } = optionsOf("Executor.map", options, ["timeout", "chunksize"]);
    const deadline = deadlineAfter(timeout);
    if (!Number.isInteger(chunksize) || chunksize < 1) {
      throw new RangeError(`'chunksize' must be an integer of at least 1, got ${chunksize}`);
    }
    this.checkOpen();
    const futures: Array<Future<unknown[]> | undefined> = [];
    let collectError: unknown;
    const collected = collect(iterables, chunksize, (chunk) => {
      futures.push(this.submitChunk(fn as Fn, chunk));
    }).catch((error) => (collectError = error));
    // Written by hand, not as an async generator: a generator's frame would
    // keep the value it handed out last, and every future would stay in
    // `futures` until the end. A future is dropped once read, a value once
    // handed out (Python's map holds on to neither).
    let at = 0;
    let values: unknown[] = [];
    let pos = 0;
    let over = false;
    const end = (): IteratorResult<Awaited<R>> => {
      over = true;
      for (; at < futures.length; at++) futures[at]?.cancel();
      futures.length = 0;
      values = [];
      return { done: true, value: undefined };
    };
    const iterator: AsyncIterableIterator<Awaited<R>> = {
      async next(): Promise<IteratorResult<Awaited<R>>> {
        try {
          for (;;) {
            if (pos < values.length) {
              const value = values[pos] as Awaited<R>;
              values[pos++] = undefined;
              return { done: false, value };
            }
            if (over) return { done: true, value: undefined };
            if (at >= futures.length) {
              await collected;
              if (collectError !== undefined) throw collectError;
              if (at >= futures.length) return end();
            }
            const future = futures[at]!;
            const left = remaining(deadline);
            // One message whenever the wait ran out, naming the caller's timeout.
            const notReady = () =>
              new TimeoutError(afterWaiting("map() result not ready", options));
            if (left <= 0 && !future.done()) throw notReady();
            try {
              values = await future.result(left === Infinity ? undefined : { timeout: left });
            } catch (error) {
              throw error instanceof TimeoutError && !future.done() ? notReady() : error;
            }
            futures[at++] = undefined;
            pos = 0;
          }
        } catch (error) {
          end();
          throw error;
        }
      },
      return(): Promise<IteratorResult<Awaited<R>>> {
        return Promise.resolve(end());
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /**
   * Stops taking calls; with `wait` (the default), waits for the submitted
   * ones to finish and the workers to end.
   *
   * @param options `wait` and `cancelFutures`.
   * @returns When done.
   */
  async shutdown(options?: ShutdownOptions): Promise<void> {
    const { wait = true, cancelFutures = false } = optionsOf(
      "Executor.shutdown",
      options,
      ["wait", "cancelFutures"],
    );
    if (typeof wait !== "boolean") {
      throw new TypeError(`'wait' must be a boolean, got ${describe(wait)}`);
    }
    if (typeof cancelFutures !== "boolean") {
      throw new TypeError(`'cancelFutures' must be a boolean, got ${describe(cancelFutures)}`);
    }
    this.#shutdown = true;
    await this.finish(wait, cancelFutures);
  }

  /**
   * Shows whether it still takes calls.
   *
   * @returns `<ProcessPoolExecutor(running)>` or `<ThreadPoolExecutor(shutdown)>`.
   */
  toString(): string {
    return `<${this.constructor.name}(${this.#shutdown ? "shutdown" : "running"})>`;
  }

  /** `await using ex = new ...Executor()`: `shutdown({ wait: true })`, as Python's `with`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown({ wait: true });
  }
}

printAsString(Executor);

async function collect(
  iterables: Array<Iterable<unknown> | AsyncIterable<unknown>>,
  chunksize: number,
  emit: (chunk: unknown[][]) => void,
): Promise<void> {
  if (iterables.length === 0) return;
  const sync = iterables.every((it) => typeof it === "string" || Symbol.iterator in it);
  const its = iterables.map((it) =>
    typeof it === "string" || Symbol.iterator in it
      ? (it as Iterable<unknown>)[Symbol.iterator]()
      : (it as AsyncIterable<unknown>)[Symbol.asyncIterator]()
  );
  let chunk: unknown[][] = [];
  for (;;) {
    const row: unknown[] = [];
    for (const it of its) {
      // Sync iterables are read synchronously, so that `map` submits
      // everything before it returns, as Python's does.
      const step = sync ? it.next() as IteratorResult<unknown> : await it.next();
      if (step.done) {
        if (chunk.length > 0) emit(chunk);
        return;
      }
      row.push(step.value);
    }
    chunk.push(row);
    if (chunk.length === chunksize) {
      emit(chunk);
      chunk = [];
    }
  }
}

/**
 * Worker processes running submitted calls: Python's
 * `concurrent.futures.ProcessPoolExecutor`. Functions reach the workers as
 * `Process` targets do. A worker that dies breaks the executor, as in
 * Python: its running and pending futures fail with
 * {@linkcode BrokenProcessPool}, and so does every later `submit`.
 *
 * @example Submitting and collecting
 * ```ts
 * import { asCompleted, ProcessPoolExecutor } from "@tsmp/multiprocessing";
 *
 * export function calc(x: number): [number, number] {
 *   return [x, Math.sqrt(x)];
 * }
 *
 * if (import.meta.main) {
 *   await using ex = new ProcessPoolExecutor(2);
 *   const fs = [1, 2, 3].map((x) => ex.submit(calc, x));
 *   for await (const f of asCompleted(fs)) console.log(await f.result());
 * }
 * ```
 */
export class ProcessPoolExecutor extends Executor {
  #core: Scheduler;
  #futures = new Set<Future<unknown>>();

  /**
   * Starts the worker processes.
   *
   * @param maxWorkers How many. @default {cpuCount()}
   * @param options `initializer`, `initargs`, `maxTasksPerChild`.
   * @throws {RangeError} If `maxWorkers` or `maxTasksPerChild` is not an integer of at least 1.
   * @throws {TypeError} For a `maxWorkers` that is not a number, or a bad `initializer` or
   * `initargs`.
   */
  constructor(maxWorkers?: number | null, options: ProcessPoolExecutorOptions = {}) {
    super();
    const hook = (options as { [SCHEDULER]?: SchedulerHook } | null)?.[SCHEDULER];
    if (hook) {
      this.#core = hook.scheduler;
      return;
    }
    const { count: n, initializer, initargs, maxTasks } = workerSettings<PoolFunction>(
      maxWorkers,
      cpuCount(),
      options,
      {
        call: "new ProcessPoolExecutor",
        keys: ["initializer", "initargs", "maxTasksPerChild"],
        count: "maxWorkers",
        maxTasks: "maxTasksPerChild",
      },
    );
    this.#core = new PoolCore({
      processes: n,
      initializer: initializer ? resolveTarget(initializer, callerModules()) : null,
      initargs,
      maxTasks,
      name: "SpawnProcess",
      onDeath: "break",
      executor: true,
      brokenError: (message, cause) => new BrokenProcessPool(message, { cause }),
    });
  }

  /**
   * Schedules `fn(...args)` in a worker.
   *
   * @param fn The function; export it, or make it self-contained.
   * @param args Its arguments.
   * @returns Its future (running once a worker has it).
   * @throws {TypeError} If `fn` is not a function.
   * @throws {ExecutorShutdownError} After `shutdown()`.
   * @throws {BrokenProcessPool} Once a worker has died.
   */
  submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Future<Awaited<R>> {
    if (typeof fn !== "function") {
      throw new TypeError(`'fn' must be a function, got ${describe(fn)}`);
    }
    return this.#submit(fn as Fn, APPLY, args) as Future<Awaited<R>>;
  }

  /**
   * One task running `fn` over a chunk of argument lists.
   *
   * @param fn The function.
   * @param argLists One argument list per call.
   * @returns The future of the values.
   */
  protected submitChunk(fn: PoolFunction, argLists: unknown[][]): Future<unknown[]> {
    return this.#submit(fn, STARMAP, argLists) as Future<unknown[]>;
  }

  #submit(fn: Fn, kind: number, payload: unknown[]): Future<unknown> {
    const ref = resolveTarget(fn, callerModules());
    this.checkOpen();
    if (this.#core.broken) {
      throw new BrokenProcessPool(
        "A child process terminated abruptly, the process pool is not usable anymore",
        { cause: this.#core.broken },
      );
    }
    const future = new Future<unknown>();
    const ctl = futureControl();
    const spec: TaskSpec = {
      kind,
      fn,
      ref,
      payload,
      resolve: (value) => ctl.settle(future, true, value),
      reject: (error) => ctl.settle(future, false, error),
      onDispatch: () => ctl.running(future),
    };
    ctl.onCancel(future, () => this.#core.cancel(spec));
    this.#futures.add(future);
    future.addDoneCallback(() => this.#futures.delete(future));
    this.#core.submit(spec);
    return future;
  }

  /**
   * Closes the pool; with `wait`, waits for the calls and the workers.
   *
   * @param wait Whether to wait.
   * @param cancelFutures Whether to cancel the calls not started.
   * @returns When done.
   */
  protected async finish(wait: boolean, cancelFutures: boolean): Promise<void> {
    if (cancelFutures) this.#cancelPending();
    this.#core.close();
    const joined = this.#core.join();
    if (wait) await joined;
  }

  #cancelPending(): void {
    // cancel() succeeds only for calls no worker has yet (the core says).
    for (const future of [...this.#futures]) future.cancel();
  }
}

interface QueuedCall {
  future: Future<unknown>;
  run: () => unknown;
  started: boolean;
}

/**
 * Calls run on this thread's event loop, at most `maxWorkers` at a time:
 * Python's `ThreadPoolExecutor` for JavaScript, where I/O-bound work is
 * already concurrent. Closures work, and nothing is copied.
 *
 * @example Bounded concurrency
 * ```ts
 * import { ThreadPoolExecutor } from "@tsmp/multiprocessing";
 *
 * await using ex = new ThreadPoolExecutor(2);
 * const results = [];
 * for await (const n of ex.map((x: number) => x * 2, [1, 2, 3])) results.push(n);
 * console.log(results); // [ 2, 4, 6 ]
 * ```
 */
export class ThreadPoolExecutor extends Executor {
  #max: number;
  #initializer: Fn | undefined;
  #initargs: unknown[];
  // Python's worker threads: started one per submit while none is idle, up
  // to maxWorkers, each running the initializer once before its first call.
  #workers = 0;
  #idle = 0;
  #queue: Array<QueuedCall> = [];
  #live = new Set<Future<unknown>>();
  #broken: BrokenThreadPool | undefined;
  #starting = new Set<Promise<void>>();

  /**
   * Makes the executor (nothing starts until `submit`).
   *
   * @param maxWorkers Calls in flight at most. @default {min(32, cpuCount() + 4)}
   * @param options `initializer` and `initargs`.
   * @throws {TypeError} If `maxWorkers` is not a number.
   * @throws {RangeError} If `maxWorkers` is not an integer of at least 1.
   * @throws {TypeError} For an unknown option, a bad `initializer` or `initargs`.
   */
  constructor(maxWorkers?: number | null, options?: ThreadPoolExecutorOptions) {
    super();
    const { count, initializer, initargs } = workerSettings<PoolFunction>(
      maxWorkers,
      Math.min(32, cpuCount() + 4),
      options,
      { call: "new ThreadPoolExecutor", keys: ["initializer", "initargs"], count: "maxWorkers" },
    );
    this.#max = count;
    this.#initializer = initializer ?? undefined;
    this.#initargs = [...initargs];
  }

  /**
   * Schedules `fn(...args)` on this thread.
   *
   * @param fn The function (any function: closures work).
   * @param args Its arguments.
   * @returns Its future.
   * @throws {TypeError} If `fn` is not a function.
   * @throws {ExecutorShutdownError} After `shutdown()`.
   * @throws {BrokenThreadPool} Once an initializer has thrown.
   */
  submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Future<Awaited<R>> {
    if (typeof fn !== "function") {
      throw new TypeError(`'fn' must be a function, got ${describe(fn)}`);
    }
    this.checkOpen();
    if (this.#broken) throw this.#broken;
    const future = new Future<unknown>();
    const call: QueuedCall = { future, run: () => fn(...args), started: false };
    futureControl().onCancel(future, () => !call.started);
    this.#live.add(future);
    future.addDoneCallback(() => this.#live.delete(future));
    this.#queue.push(call);
    if (this.#idle > 0) {
      this.#idle--;
      this.#work();
    } else if (this.#workers < this.#max) {
      this.#workers++;
      this.#startWorker();
    }
    return future as Future<Awaited<R>>;
  }

  #startWorker(): void {
    const init = this.#initializer;
    if (!init) return this.#work();
    // A microtask later, so that submit() returns before the initializer runs.
    const starting = Promise.resolve()
      .then(() => init(...this.#initargs))
      .then(() => this.#work(), (error) => this.#break(error))
      .finally(() => this.#starting.delete(starting));
    this.#starting.add(starting);
  }

  // One worker takes the next call not cancelled, or goes idle.
  #work(): void {
    let call: QueuedCall | undefined;
    while ((call = this.#queue.shift()) && call.future.cancelled());
    if (!call) {
      this.#idle++;
      return;
    }
    const { future, run } = call;
    const ctl = futureControl();
    call.started = true;
    ctl.running(future);
    // The worker is free (takes the next call or goes idle) before the
    // future settles, so that a call submitted when this one is seen done
    // reuses it.
    const finish = (ok: boolean, value: unknown): void => {
      this.#work();
      ctl.settle(future, ok, value);
    };
    // A microtask later, so that submit() returns before the call runs.
    Promise.resolve()
      .then(run)
      .then((value) => finish(true, value), (error) => finish(false, error));
  }

  #break(error: unknown): void {
    this.#broken ??= new BrokenThreadPool(
      "A thread initializer failed, the thread pool is not usable anymore",
      { cause: error },
    );
    const ctl = futureControl();
    for (const call of this.#queue.splice(0)) {
      if (!call.future.cancelled()) ctl.settle(call.future, false, this.#broken);
    }
  }

  /**
   * Runs a chunk's calls one after another.
   *
   * @param fn The function.
   * @param argLists One argument list per call.
   * @returns The future of the values.
   */
  protected submitChunk(fn: PoolFunction, argLists: unknown[][]): Future<unknown[]> {
    return this.submit(async () => {
      const out = [];
      for (const args of argLists) out.push(await fn(...args));
      return out;
    });
  }

  /**
   * With `wait`, waits for the calls in flight.
   *
   * @param wait Whether to wait.
   * @param cancelFutures Whether to cancel the calls not started.
   * @returns When done.
   */
  protected async finish(wait: boolean, cancelFutures: boolean): Promise<void> {
    if (cancelFutures) { for (const f of this.#live) f.cancel(); }
    if (!wait) return;
    // As Python's shutdown joins every thread: initializers still running too.
    await Promise.allSettled([...this.#live].map((f) => f.result()));
    await Promise.allSettled([...this.#starting]);
  }
}
