/**
 * `Future` and the executors' helpers `asCompleted` and `wait` (their errors
 * are in `errors.ts`). Re-exported by `futures.ts`.
 *
 * @module
 */

import { TimeoutError } from "../errors.ts";
import { CancelledError } from "./errors.ts";
import { withDeadline } from "./results.ts";
import { describe, remaining } from "../wait/futex.ts";
import { afterWaiting, blockingOptions, TIMEOUT } from "../options.ts";
import { printAsString } from "../inspect.ts";

/** Options for {@linkcode Future.prototype.result} and {@linkcode Future.prototype.exception}. */
export interface ResultOptions {
  /** Milliseconds to wait at most. @default {Infinity} */
  timeout?: number;
}

const PENDING = 0;
const RUNNING = 1;
const CANCELLED = 2;
const FINISHED = 3;

/** How executors drive their futures (not public). */
export interface FutureControl {
  running(future: Future<unknown>): void;
  settle(future: Future<unknown>, ok: boolean, value: unknown): void;
  onCancel(future: Future<unknown>, attempt: () => boolean): void;
  /** Removes a done callback not yet called (asCompleted and wait clean up with it). */
  removeCallback(future: Future<unknown>, fn: (future: never) => void): void;
  /** Whether the future finished with an error (not cancelled). */
  failed(future: Future<unknown>): boolean;
}

let control!: FutureControl;

/** The executors' handle on futures. */
export function futureControl(): FutureControl {
  return control;
}

/**
 * The eventual result of a call handed to an executor: Python's
 * `concurrent.futures.Future`. Read it with `await f.result()`. (It is
 * deliberately not a thenable: `for await (const f of asCompleted(fs))`
 * must hand out the futures themselves, and TypeScript types the items of
 * `for await` as awaited.)
 *
 * @example Waiting for a future
 * ```ts
 * import { ThreadPoolExecutor } from "@tsmp/multiprocessing";
 *
 * await using ex = new ThreadPoolExecutor(2);
 * const f = ex.submit((x: number) => x * 2, 21);
 * console.log(await f.result({ timeout: 1000 }), f.done()); // 42 true
 * ```
 */
export class Future<out T> {
  #state = PENDING;
  #ok = false;
  #value: unknown;
  #promise: Promise<T>;
  // Typed without T so that Future<number> is a Future<unknown>.
  #resolve!: (value: unknown) => void;
  #reject!: (error: unknown) => void;
  #callbacks: Array<(future: never) => void> = [];
  #cancel: (() => boolean) | undefined;

  static {
    control = {
      running(future) {
        if (future.#state === PENDING) future.#state = RUNNING;
      },
      settle(future, ok, value) {
        if (future.#state === FINISHED || future.#state === CANCELLED) return;
        future.#state = FINISHED;
        future.#ok = ok;
        future.#value = value;
        if (ok) future.#resolve(value);
        else future.#reject(value);
        future.#runCallbacks();
      },
      onCancel(future, attempt) {
        future.#cancel = attempt;
      },
      removeCallback(future, fn) {
        const at = future.#callbacks.indexOf(fn);
        if (at >= 0) future.#callbacks.splice(at, 1);
      },
      failed(future) {
        return future.#state === FINISHED && !future.#ok;
      },
    };
  }

  /** A pending future; executors make these. */
  constructor() {
    this.#promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve as (value: unknown) => void;
      this.#reject = reject;
    });
    // A future whose error nobody asks for is not an unhandled rejection.
    this.#promise.catch(() => {});
  }

  /**
   * The call's value.
   *
   * @param options `timeout` in ms.
   * @returns The value.
   * @throws {TimeoutError} If not done within `timeout`.
   * @throws {CancelledError} If the future was cancelled.
   * @throws The call's own error.
   */
  result(options?: ResultOptions): Promise<T> {
    try {
      const deadline = checkTimeout("Future.result", options);
      return withDeadline(this.#promise, deadline, afterWaiting("Future not done", options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The call's error, or null if it returned.
   *
   * @param options `timeout` in ms.
   * @returns The error, or null.
   * @throws {TimeoutError} If not done within `timeout`.
   * @throws {CancelledError} If the future was cancelled.
   */
  async exception(options?: ResultOptions): Promise<unknown> {
    checkTimeout("Future.exception", options);
    try {
      await this.result(options);
      return null;
    } catch (error) {
      if (error instanceof TimeoutError || error instanceof CancelledError) {
        if (this.#state !== FINISHED) throw error;
      }
      return error;
    }
  }

  /**
   * Cancels the call if it has not started.
   *
   * @returns Whether it is now cancelled (false once running or done).
   */
  cancel(): boolean {
    if (this.#state === CANCELLED) return true;
    if (this.#state !== PENDING) return false;
    if (this.#cancel && !this.#cancel()) return false;
    this.#state = CANCELLED;
    this.#reject(new CancelledError());
    this.#runCallbacks();
    return true;
  }

  /**
   * Whether the future was cancelled.
   *
   * @returns true once cancelled.
   */
  cancelled(): boolean {
    return this.#state === CANCELLED;
  }

  /**
   * Whether the call is running now.
   *
   * @returns true from when a worker takes it until it is done.
   */
  running(): boolean {
    return this.#state === RUNNING;
  }

  /**
   * Shows its state, as Python's repr does.
   *
   * @returns `<Future state=pending>`, `<Future state=running>`,
   * `<Future state=cancelled>`, `<Future state=finished returned number>` or
   * `<Future state=finished raised TypeError>`.
   */
  toString(): string {
    const names = ["pending", "running", "cancelled", "finished"];
    let text = `<Future state=${names[this.#state]}`;
    if (this.#state === FINISHED) {
      const v = this.#value;
      text += this.#ok
        ? ` returned ${
          v === null ? "null" : typeof v === "object" ? v.constructor?.name ?? "object" : typeof v
        }`
        : ` raised ${(v as Error)?.name ?? typeof v}`;
    }
    return text + ">";
  }

  /**
   * Whether the future is finished or cancelled.
   *
   * @returns true once done.
   */
  done(): boolean {
    return this.#state === FINISHED || this.#state === CANCELLED;
  }

  /**
   * Calls `fn(future)` once the future is done (at once if it is).
   *
   * @param fn The callback; its errors are reported, not thrown.
   * @throws {TypeError} If `fn` is not a function.
   */
  addDoneCallback(fn: (future: Future<T>) => void): void {
    if (typeof fn !== "function") {
      throw new TypeError(`'fn' must be a function, got ${describe(fn)}`);
    }
    if (this.done()) callSafely(fn, this);
    else this.#callbacks.push(fn as (future: never) => void);
  }

  #runCallbacks(): void {
    for (const fn of this.#callbacks.splice(0)) callSafely(fn as (f: Future<T>) => void, this);
  }
}

printAsString(Future);

function callSafely<T>(fn: (future: Future<T>) => void, future: Future<T>): void {
  try {
    fn(future);
  } catch (error) {
    console.error("Exception in a Future's done callback:", error);
  }
}

function checkTimeout(call: string, options: object | undefined, keys = TIMEOUT): number {
  return blockingOptions(call, options, keys).deadline;
}

function checkFutures(fs: unknown): Future<unknown>[] {
  if (typeof fs !== "object" || fs === null || !(Symbol.iterator in fs)) {
    throw new TypeError(`'fs' must be an iterable of futures, got ${describe(fs)}`);
  }
  const list = [...new Set(fs as Iterable<unknown>)];
  for (const f of list) {
    if (!(f instanceof Future)) throw new TypeError(`'fs' must hold futures, got ${describe(f)}`);
  }
  return list as Future<unknown>[];
}

/** Options for {@linkcode asCompleted}. */
export interface AsCompletedOptions {
  /** Milliseconds from the call until all must be done. @default {Infinity} */
  timeout?: number;
}

/**
 * The futures, each as soon as it is done (those already done first).
 *
 * @param fs The futures (duplicates count once).
 * @param options `timeout` in ms, from this call.
 * @returns An async iterable of the futures.
 * @throws {TypeError} If `fs` is not an iterable of futures.
 * @throws {TimeoutError} (while iterating) `"N (of M) futures unfinished"` after `timeout`.
 * @example
 * ```ts
 * import { asCompleted, ThreadPoolExecutor } from "@tsmp/multiprocessing";
 *
 * await using ex = new ThreadPoolExecutor(2);
 * const fs = [30, 10].map((ms) => ex.submit(() => new Promise((r) => setTimeout(r, ms, ms))));
 * for await (const f of asCompleted(fs)) console.log(await f.result()); // 10, then 30
 * ```
 */
export function asCompleted<F extends Future<unknown>>(
  fs: Iterable<F>,
  options: AsCompletedOptions = {},
): AsyncIterableIterator<F> {
  const unique = new Set(checkFutures(fs) as F[]);
  const deadline = checkTimeout("asCompleted", options);
  const total = unique.size;
  // Only what is still to be yielded is referenced: a future handed out is
  // dropped at once (Python's as_completed does the same), and the done
  // callbacks on the others are removed when the iteration ends early.
  const ready: F[] = [];
  const waiting = new Set<F>();
  let wake: (() => void) | undefined;
  const onDone = (f: F): void => {
    waiting.delete(f);
    ready.push(f);
    wake?.();
  };
  for (const f of unique) {
    if (f.done()) ready.push(f);
    else {
      waiting.add(f);
      f.addDoneCallback(onDone as (f: Future<unknown>) => void);
    }
  }
  unique.clear();
  const stop = (): void => {
    for (const f of waiting) control.removeCallback(f, onDone as (f: never) => void);
    waiting.clear();
    ready.length = 0;
  };
  // Not an async generator: `yield` there would await the (thenable) future
  // and hand out its value instead of the future itself, and its frame
  // would keep the last future handed out.
  const iterator: AsyncIterableIterator<F> = {
    async next(): Promise<IteratorResult<F>> {
      while (ready.length > 0 || waiting.size > 0) {
        if (ready.length > 0) return { done: false, value: ready.shift()! };
        try {
          await withDeadline(
            new Promise<void>((resolve) => (wake = resolve)),
            deadline,
            `${waiting.size} (of ${total}) futures unfinished`,
          );
        } catch (error) {
          stop();
          throw error;
        } finally {
          wake = undefined;
        }
      }
      return { done: true, value: undefined };
    },
    return(): Promise<IteratorResult<F>> {
      stop();
      return Promise.resolve({ done: true, value: undefined });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/** `returnWhen` of {@linkcode wait}: as soon as any future is done. */
export const FIRST_COMPLETED = "FIRST_COMPLETED";
/** `returnWhen` of {@linkcode wait}: as soon as any future fails, else when all are done. */
export const FIRST_EXCEPTION = "FIRST_EXCEPTION";
/** `returnWhen` of {@linkcode wait}: when all are done. */
export const ALL_COMPLETED = "ALL_COMPLETED";

/** Options for {@linkcode wait}. */
export interface FuturesWaitOptions {
  /** Milliseconds to wait at most; then returns what is done. @default {Infinity} */
  timeout?: number;
  /** When to return. @default {"ALL_COMPLETED"} */
  returnWhen?: typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;
}

/** What {@linkcode wait} returns: Python's `DoneAndNotDoneFutures`. */
export interface DoneAndNotDone<F> {
  /** The futures done (finished or cancelled). */
  done: Set<F>;
  /** The others. */
  notDone: Set<F>;
}

/**
 * Waits for futures: all of them, the first one, or the first to fail.
 *
 * @param fs The futures.
 * @param options `timeout` in ms and `returnWhen`.
 * @returns The done and the not-done futures (never throws on timeout).
 * @throws {TypeError} For bad arguments.
 * @example
 * ```ts
 * import { FIRST_COMPLETED, ThreadPoolExecutor, wait } from "@tsmp/multiprocessing";
 *
 * await using ex = new ThreadPoolExecutor(2);
 * const fs = [5, 500].map((ms) => ex.submit(() => new Promise((r) => setTimeout(r, ms))));
 * const { done, notDone } = await wait(fs, { returnWhen: FIRST_COMPLETED });
 * console.log(done.size, notDone.size); // 1 1
 * ```
 */
export async function wait<F extends Future<unknown>>(
  fs: Iterable<F>,
  options: FuturesWaitOptions = {},
): Promise<DoneAndNotDone<F>> {
  const list = checkFutures(fs) as F[];
  const deadline = checkTimeout("wait", options, ["timeout", "returnWhen"]);
  const when = options.returnWhen ?? ALL_COMPLETED;
  if (![FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED].includes(when)) {
    throw new RangeError(
      `'returnWhen' must be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, got ${
        describe(when)
      }`,
    );
  }
  const finished = (): boolean => {
    let done = 0;
    for (const f of list) {
      if (!f.done()) continue;
      if (when === FIRST_COMPLETED) return true;
      if (when === FIRST_EXCEPTION && control.failed(f)) return true;
      done++;
    }
    return done === list.length;
  };
  let wake: (() => void) | undefined;
  const onDone = (): void => wake?.();
  for (const f of list) f.addDoneCallback(onDone);
  try {
    while (!finished() && remaining(deadline) > 0) {
      try {
        await withDeadline(new Promise<void>((resolve) => (wake = resolve)), deadline, "");
      } catch {
        break;
      }
    }
  } finally {
    for (const f of list) control.removeCallback(f, onDone);
  }
  const done = new Set(list.filter((f) => f.done()));
  return { done, notDone: new Set(list.filter((f) => !done.has(f))) };
}
