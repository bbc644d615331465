/**
 * Python's `multiprocessing.connection`: {@linkcode Connection},
 * {@linkcode Pipe} and {@linkcode wait}, which serves many pipes, queues and
 * processes at once: it returns the objects that are ready (a `Connection`
 * with a message or at its end, a `Queue` with items, a process's
 * `sentinel` once it has ended). The root module exports `wait` as
 * `connectionWait`, since its `wait` is `concurrent.futures.wait`.
 *
 * @example Serving several pipes from one loop
 * ```ts
 * import { type Connection, Pipe, wait } from "@tsmp/multiprocessing/connection";
 *
 * const ends = [Pipe<string>(false), Pipe<string>(false)];
 * ends[1][1].send("from the second");
 * const readers: Connection<string>[] = ends.map(([reader]) => reader);
 * for (const conn of await wait(readers, { timeout: 1000 })) {
 *   console.log(await conn.recv()); // from the second
 * }
 * ```
 *
 * @module
 */

import { describe } from "./internal/wait/futex.ts";
import { blockingOptions, TIMEOUT, TIMEOUT_SIGNAL } from "./internal/options.ts";
import {
  isWaitable,
  readySymbol,
  type ReadyWord,
  type Waitable,
  waitReady,
  waitReadySync,
} from "./internal/wait/ready.ts";

export { BrokenPipeError, Connection, EOFError, Pipe } from "./pipe.ts";
export { readySymbol, type ReadyWord, type Waitable } from "./internal/wait/ready.ts";

/** Options for {@linkcode wait}. */
export interface ConnectionWaitOptions {
  /**
   * The longest wait in milliseconds; then `wait` returns an empty list.
   * @default {undefined} (until one is ready)
   */
  timeout?: number;
  /** Stops the wait; `wait` then rejects with the signal's reason. @default {undefined} */
  signal?: AbortSignal;
}

function check<T>(
  objects: Iterable<T>,
  options: ConnectionWaitOptions | undefined,
  sync: boolean,
): { list: T[]; deadline: number; signal: AbortSignal | undefined } {
  if (typeof objects !== "object" || objects === null || !(Symbol.iterator in objects)) {
    throw new TypeError(`'objects' must be an iterable, got ${describe(objects)}`);
  }
  const { deadline, signal } = sync
    ? blockingOptions("waitSync", options, TIMEOUT)
    : blockingOptions("wait", options, TIMEOUT_SIGNAL);
  const list = [...objects];
  list.forEach((o, i) => {
    if (!isWaitable(o)) {
      throw new TypeError(
        `objects[${i}] must be a Connection, a Queue or a process's sentinel, got ${describe(o)}`,
      );
    }
  });
  if (list.length === 0 && deadline === Infinity) {
    throw new RangeError("'objects' is empty and there is no 'timeout': the wait could never end");
  }
  return { list, deadline, signal };
}

function words<T>(list: T[]): ReadyWord[] {
  return list.map((o) => (o as Waitable)[readySymbol]());
}

/**
 * Waits until at least one of `objects` is ready, or `timeout` ms pass:
 * Python's `multiprocessing.connection.wait`. A `Connection` is ready when
 * `recv` would not wait (a message, or every writer gone: `recv` then throws
 * `EOFError`); a `Queue` (or `JoinableQueue`, `SimpleQueue`) when it holds
 * items or is closed; a process's `sentinel` once the process has ended.
 *
 * @typeParam T The objects' type.
 * @param objects What to wait on.
 * @param options `timeout` in ms and `signal`.
 * @returns The ready objects, in the order given; empty after the timeout.
 * @throws {TypeError} For an object that cannot be waited on (the message
 * names its index), or an unknown option.
 * @throws {RangeError} For no objects and no timeout (a negative timeout counts as 0).
 * @throws {Error} For a closed or write-only `Connection`.
 *
 * @example A result queue and the workers' ends, in one loop
 * ```ts
 * import { Process, Queue } from "@tsmp/multiprocessing";
 * import { wait } from "@tsmp/multiprocessing/connection";
 *
 * export function work(q: Queue<number>, n: number): void {
 *   q.putNowait(n * n);
 * }
 *
 * if (import.meta.main) {
 *   const q = new Queue<number>();
 *   const p = new Process({ target: work, args: [q, 7] });
 *   p.start();
 *   const ready = await wait([q, p.sentinel], { timeout: 10_000 });
 *   console.log(ready.length > 0); // true
 *   await p.join();
 *   console.log(q.getNowait()); // 49
 * }
 * ```
 */
export function wait<T extends Waitable>(
  objects: Iterable<T>,
  options?: ConnectionWaitOptions,
): Promise<T[]> {
  try {
    const { list, deadline, signal } = check(objects, options, false);
    return waitReady(list, words(list), deadline, signal);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The `Sync` form of {@linkcode wait}: blocks the thread (meant for worker
 * code). As with `pollSync`, a `Connection` whose only writers are in this
 * process counts as at its end: the blocked thread cannot send.
 *
 * @typeParam T The objects' type.
 * @param objects What to wait on.
 * @param options `timeout` in ms.
 * @returns The ready objects, in the order given; empty after the timeout.
 * @throws {TypeError} For an object that cannot be waited on, or an unknown option.
 * @throws {RangeError} For no objects and no timeout (a negative timeout counts as 0).
 *
 * @example Polling two pipes from a worker
 * ```ts
 * import { Pipe, waitSync } from "@tsmp/multiprocessing/connection";
 *
 * const [a, aIn] = Pipe<number>(false);
 * const [b] = Pipe<number>(false);
 * aIn.send(1);
 * console.log(waitSync([a, b], { timeout: 100 }).length); // 1
 * ```
 */
export function waitSync<T extends Waitable>(
  objects: Iterable<T>,
  options?: Omit<ConnectionWaitOptions, "signal">,
): T[] {
  const { list, deadline } = check(objects, options, true);
  return waitReadySync(list, words(list), deadline);
}
