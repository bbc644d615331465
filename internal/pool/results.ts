/**
 * What `Pool`'s async methods hand back: `AsyncResult` (one value, later)
 * and `IMapIterator` (`imap`/`imapUnordered`: results streamed as they
 * come). Re-exported by `pool.ts`.
 *
 * @module
 */

import { TimeoutError } from "../errors.ts";
import { remaining } from "../wait/futex.ts";
import { afterWaiting, blockingOptions, TIMEOUT } from "../options.ts";
import { printAsString } from "../inspect.ts";

/** Options for {@linkcode AsyncResult.prototype.get} and {@linkcode AsyncResult.prototype.wait}. */
export interface GetOptions {
  /** Milliseconds to wait at most. @default {Infinity} */
  timeout?: number;
}

function checkOptions(call: string, options: GetOptions | undefined): number {
  return blockingOptions(call, options, TIMEOUT).deadline;
}

/** Settles with `promise`, or rejects with TimeoutError at `deadline`. */
export function withDeadline<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
  if (deadline === Infinity) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what)), remaining(deadline));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The result of `applyAsync`, `mapAsync` or `starmapAsync`: Python's
 * `AsyncResult`. It is awaitable (`await result` is `await result.get()`).
 * A result nobody looks at never raises an unhandled rejection.
 *
 * @example Waiting for an async result
 * ```ts
 * import { Pool } from "@tsmp/multiprocessing";
 *
 * export function square(x: number): number {
 *   return x * x;
 * }
 *
 * if (import.meta.main) {
 *   await using pool = new Pool(2);
 *   const result = pool.applyAsync(square, [7]);
 *   console.log(await result.get({ timeout: 5000 })); // 49
 *   console.log(result.ready(), result.successful()); // true true
 * }
 * ```
 */
export class AsyncResult<T> implements PromiseLike<T> {
  #promise: Promise<T>;
  #state: "pending" | "ok" | "failed" = "pending";

  /**
   * Wraps a promise of the value (the pool makes these).
   *
   * @param promise Settles with the value or the task's error.
   */
  constructor(promise: Promise<T>) {
    this.#promise = promise;
    promise.then(() => (this.#state = "ok"), () => (this.#state = "failed"));
  }

  /**
   * The value, once it is there.
   *
   * @param options `timeout` in ms.
   * @returns The value.
   * @throws {TimeoutError} If it is not there after `timeout` ms.
   * @throws The task's own error (its class, message and stack).
   */
  get(options?: GetOptions): Promise<T> {
    try {
      const deadline = checkOptions("AsyncResult.get", options);
      return withDeadline(this.#promise, deadline, `Result not ready after ${options?.timeout} ms`);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Waits until the result is there or `timeout` ms pass; never throws the
   * task's error.
   *
   * @param options `timeout` in ms.
   * @returns Nothing; check {@linkcode AsyncResult.prototype.ready}.
   */
  async wait(options?: GetOptions): Promise<void> {
    const deadline = checkOptions("AsyncResult.wait", options);
    try {
      await withDeadline(this.#promise, deadline, "");
    } catch {
      // wait() only waits, as in Python.
    }
  }

  /**
   * Whether the result is there.
   *
   * @returns true once the task has finished or failed.
   */
  ready(): boolean {
    return this.#state !== "pending";
  }

  /**
   * Whether the task finished without an error.
   *
   * @returns true for a value, false for an error.
   * @throws {Error} If the result is not ready yet.
   */
  successful(): boolean {
    if (this.#state === "pending") throw new Error("AsyncResult is not ready");
    return this.#state === "ok";
  }

  /**
   * Shows its state.
   *
   * @returns `<AsyncResult(pending)>`, `<AsyncResult(ready, successful)>` or
   * `<AsyncResult(ready, failed)>`.
   */
  toString(): string {
    const state = { pending: "pending", ok: "ready, successful", failed: "ready, failed" };
    return `<AsyncResult(${state[this.#state]})>`;
  }

  /**
   * Makes the result awaitable.
   *
   * @param onfulfilled Called with the value.
   * @param onrejected Called with the error.
   * @returns A promise of what the callback returns.
   */
  then<A = T, B = never>(
    onfulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#promise.then(onfulfilled, onrejected);
  }
}

printAsString(AsyncResult);

/** Options for {@linkcode IMapIterator.prototype.next}. */
export interface NextOptions {
  /** Milliseconds to wait for the next result at most. @default {Infinity} */
  timeout?: number;
}

/**
 * Thrown by `IMapIterator.next({ timeout })` after the last result: Python's
 * `StopIteration`. (`for await` and a bare `next()` end with `done` instead.)
 *
 * @example Reading an imap by hand
 * ```ts
 * import { StopIteration, ThreadPool } from "@tsmp/multiprocessing";
 *
 * await using pool = new ThreadPool(2);
 * const it = pool.imap((x: number) => x * 2, [1, 2]);
 * console.log(await it.next({ timeout: 1000 })); // 2
 * console.log(await it.next({ timeout: 1000 })); // 4
 * try {
 *   await it.next({ timeout: 1000 });
 * } catch (error) {
 *   console.log(error instanceof StopIteration); // true
 * }
 * ```
 */
export class StopIteration extends Error {
  /**
   * Makes the error that ends an iterator read past its last result.
   *
   * @param message What ended. @default {"No more results"}
   * @param options `cause`, as for `Error`.
   */
  constructor(message = "No more results", options?: ErrorOptions) {
    super(message, options);
    this.name = "StopIteration";
  }
}

/** One chunk's results, or its error. */
export type Outcome = { ok: true; values: ArrayLike<unknown> } | { ok: false; error: unknown };

/**
 * Feeds `imap`'s chunks and buffers their outcomes; the iterator reads them.
 * Implemented by the pool, which knows how to submit a chunk.
 */
export interface ChunkSource {
  /** Starts pulling input; calls `deliver(index, outcome)` per chunk and `end(count)` at the end. */
  start(deliver: (index: number, outcome: Outcome) => void, end: (count: number) => void): void;
  /** The consumer took a chunk's results: room for one more in flight. */
  consumed(): void;
  /** The consumer stopped early. */
  stop(): void;
}

/**
 * The async iterable `imap` and `imapUnordered` return: results in input
 * order (`imap`) or in the order they finish (`imapUnordered`), each as soon
 * as it is there, while the pool still works on the rest. The input is read
 * only as far ahead as the pool needs.
 *
 * @example Streaming results
 * ```ts
 * import { Pool } from "@tsmp/multiprocessing";
 *
 * export function square(x: number): number {
 *   return x * x;
 * }
 *
 * if (import.meta.main) {
 *   await using pool = new Pool(2);
 *   for await (const y of pool.imap(square, [1, 2, 3])) console.log(y); // 1, 4, 9
 * }
 * ```
 */
export class IMapIterator<T> implements AsyncIterable<T> {
  #source: ChunkSource;
  #ordered: boolean;
  #outcomes = new Map<number, Outcome>();
  #arrival: number[] = [];
  #nextChunk = 0;
  #total = -1;
  #pending: ArrayLike<unknown> = [];
  #at = 0;
  #wake: (() => void) | undefined;
  #finished = false;

  /**
   * Made by the pool.
   *
   * @param source What submits the chunks.
   * @param ordered Whether results come in input order.
   */
  constructor(source: ChunkSource, ordered: boolean) {
    this.#source = source;
    this.#ordered = ordered;
    source.start((index, outcome) => {
      this.#outcomes.set(index, outcome);
      this.#arrival.push(index);
      this.#wake?.();
    }, (count) => {
      this.#total = count;
      this.#wake?.();
    });
  }

  /**
   * The next value, as Python's `next(timeout)`: the value itself, or
   * {@linkcode StopIteration} after the last.
   *
   * @param options `timeout` in ms.
   * @returns The next value.
   * @throws {TimeoutError} If no result came within `timeout` ms.
   * @throws {StopIteration} After the last value.
   * @throws The task's own error, at its place in the results.
   */
  next(options: NextOptions): Promise<T>;
  /**
   * The next result, as the async iterator protocol has it (what
   * `for await` calls): `{ done, value }`.
   *
   * @returns The next result, or `done` after the last.
   * @throws The task's own error, at its place in the results.
   */
  next(): Promise<IteratorResult<T, undefined>>;
  async next(options?: NextOptions): Promise<IteratorResult<T, undefined> | T> {
    if (options === undefined) return this.#next(undefined);
    const result = await this.#next(options);
    if (result.done) throw new StopIteration();
    return result.value;
  }

  async #next(options: NextOptions | undefined): Promise<IteratorResult<T, undefined>> {
    const deadline = checkOptions("IMapIterator.next", options);
    for (;;) {
      if (this.#at < this.#pending.length) {
        return { done: false, value: this.#pending[this.#at++] as T };
      }
      if (this.#finished) return { done: true, value: undefined };
      const index = this.#ordered ? this.#nextChunk : this.#arrival[0];
      const outcome = index === undefined ? undefined : this.#outcomes.get(index);
      if (outcome) {
        this.#outcomes.delete(index!);
        // Counted before a failed chunk throws, so that the iterator still
        // ends after the last chunk.
        this.#nextChunk++;
        if (!this.#ordered) this.#arrival.shift();
        this.#source.consumed();
        if (!outcome.ok) throw outcome.error;
        this.#pending = outcome.values;
        this.#at = 0;
        continue;
      }
      if (this.#total >= 0 && this.#nextChunk >= this.#total) {
        this.#finished = true;
        continue;
      }
      await withDeadline(
        new Promise<void>((resolve) => (this.#wake = resolve)),
        deadline,
        afterWaiting("No result", options),
      ).finally(() => (this.#wake = undefined));
    }
  }

  /**
   * Stops early (a `break` out of `for await`): no more input is read, and
   * chunks not yet started are dropped.
   *
   * @returns `done`.
   */
  return(): Promise<IteratorResult<T, undefined>> {
    if (!this.#finished) {
      this.#finished = true;
      this.#pending = [];
      this.#at = 0;
      this.#source.stop();
    }
    return Promise.resolve({ done: true, value: undefined });
  }

  /**
   * Makes it usable in `for await`.
   *
   * @returns This iterator.
   */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return this;
  }
}
