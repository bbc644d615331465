/**
 * The queues' options and the check of a queue's bound (the options are
 * checked by `../options.ts`; the queues' errors are in `errors.ts`).
 *
 * @module
 */

import { describe } from "../wait/futex.ts";

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

/** Checks a queue bound; 0 or less is no bound, as in Python. */
export function checkMaxsize(maxsize: unknown): number {
  if (typeof maxsize !== "number") {
    throw new TypeError(`'maxsize' must be a number, got ${describe(maxsize)}`);
  }
  if (!Number.isInteger(maxsize) || maxsize > 0x7fff_ffff) {
    throw new RangeError(`'maxsize' must be an integer up to 2147483647, got ${maxsize}`);
  }
  return Math.max(maxsize, 0);
}
