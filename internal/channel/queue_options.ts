/**
 * The queues' errors and options, and the checks of them done once at the
 * public boundary (see `queue.ts`).
 *
 * @module
 */

import { checkSignal, deadlineOf, describe } from "../wait/futex.ts";

/** Options of the blocking queue operations. */
export interface QueueOptions {
  /**
   * Whether to wait; `false` is the `*Nowait` behaviour.
   * @default {true}
   */
  block?: boolean;
  /**
   * The longest wait in milliseconds; then `Empty` or `Full` is thrown.
   * @default {undefined} (wait as long as it takes)
   */
  timeout?: number;
  /**
   * Stops the wait; the call then rejects with the signal's reason.
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** Options of {@linkcode JoinableQueue.join}. */
export interface JoinQueueOptions {
  /**
   * The longest wait in milliseconds; then `join` returns false.
   * @default {undefined} (wait as long as it takes)
   */
  timeout?: number;
  /**
   * Stops the wait; the call then rejects with the signal's reason.
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** Options after checking: a deadline on performance.now()'s clock. */
export interface Checked {
  block: boolean;
  deadline: number;
  signal: AbortSignal | undefined;
}

const DEFAULTS: Checked = Object.freeze({ block: true, deadline: Infinity, signal: undefined });

/** Checks blocking-call options; `sync` refuses a signal. */
export function checkOptions(options: QueueOptions | undefined, sync: boolean): Checked {
  if (options === undefined) return DEFAULTS;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`'options' must be an object, got ${describe(options)}`);
  }
  const { block = true, timeout, signal } = options;
  if (typeof block !== "boolean") {
    throw new TypeError(`'block' must be a boolean, got ${describe(block)}`);
  }
  const deadline = deadlineOf(timeout);
  if (sync && signal !== undefined) {
    throw new TypeError("'signal' cannot stop a Sync call, which blocks the thread");
  }
  return { block, deadline: block ? deadline : 0, signal: checkSignal(signal) };
}

/** Checks a queue bound. */
export function checkMaxsize(maxsize: unknown): number {
  if (typeof maxsize !== "number") {
    throw new TypeError(`'maxsize' must be a number, got ${describe(maxsize)}`);
  }
  if (!Number.isInteger(maxsize) || maxsize < 0 || maxsize > 0x7fff_ffff) {
    throw new RangeError(`'maxsize' must be a non-negative integer, got ${maxsize}`);
  }
  return maxsize;
}
