/**
 * The one check of options objects, done once at the public boundary: a
 * constructor's options and every blocking call's `{ block, timeout, signal }`.
 *
 * The rule for blocking calls is Python's: a `timeout` is milliseconds (a
 * negative one counts as 0: look once, do not wait; `Infinity`, `null` or
 * none waits as long as it takes), `block: false` tries once and ignores any
 * `timeout`, and `signal` (async forms only) stops the wait. Anything else is
 * refused: a number where the options object belongs is a `TypeError`, and so
 * is a key the call does not know (a typo must never be dropped silently).
 *
 * @module
 */

import { checkSignal, describe } from "./wait/futex.ts";

/** A blocking call's options after checking. */
export interface Blocking {
  /** Whether to wait at all (`block: false` is Python's `block=False`). */
  block: boolean;
  /**
   * When to give up, on `performance.now()`'s clock: `Infinity` for no
   * timeout; at most now for `block: false` or a timeout of 0 or less.
   */
  deadline: number;
  /** Stops the wait (async forms only). */
  signal: AbortSignal | undefined;
}

const NONE: Blocking = Object.freeze({ block: true, deadline: Infinity, signal: undefined });

/** The keys of a blocking call that takes all three options. */
export const BLOCK_TIMEOUT_SIGNAL: readonly string[] = Object.freeze([
  "block",
  "timeout",
  "signal",
]);
/** The keys of the `Sync` form of such a call. */
export const BLOCK_TIMEOUT: readonly string[] = Object.freeze(["block", "timeout"]);
/** The keys of a wait that cannot be told not to block. */
export const TIMEOUT_SIGNAL: readonly string[] = Object.freeze(["timeout", "signal"]);
/** The keys of the `Sync` form of such a wait. */
export const TIMEOUT: readonly string[] = Object.freeze(["timeout"]);

/**
 * Checks that `options` is an object (or undefined, read as `{}`) holding no
 * key outside `allowed`; `call` names the callee in the message
 * (`"Queue.get"`, `"new Pool"`).
 */
export function optionsOf<T extends object>(
  call: string,
  options: T | undefined | null,
  allowed: readonly string[],
): Partial<T> {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`'options' of ${call} must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (allowed.includes(key)) continue;
    if (key === "signal" && allowed.includes("timeout")) {
      throw new TypeError(`'signal' cannot stop ${call}, which blocks the thread`);
    }
    const known = allowed.length ? `: it takes ${allowed.join(", ")}` : ": it takes none";
    throw new TypeError(`Unknown option '${key}' of ${call}${known}`);
  }
  return options;
}

/**
 * Turns a `timeout` option into a deadline on `performance.now()`'s clock:
 * `Infinity` when there is none, now when it is 0 or negative (as Python).
 */
export function deadlineAfter(timeout: unknown, name = "timeout"): number {
  if (timeout === undefined || timeout === null || timeout === Infinity) return Infinity;
  if (typeof timeout !== "number" || Number.isNaN(timeout)) {
    throw new TypeError(`'${name}' must be a number of milliseconds, got ${describe(timeout)}`);
  }
  return performance.now() + Math.max(0, timeout);
}

/**
 * Checks the options of a blocking call: the object and its keys (see
 * {@linkcode optionsOf}), then `block`, `timeout` and `signal`. A call
 * whose `timeout` is not Infinity when left out (`poll`: 0) gives it.
 */
export function blockingOptions(
  call: string,
  options: object | undefined,
  allowed: readonly string[],
  defaultTimeout?: number,
): Blocking {
  if (options === undefined && defaultTimeout === undefined) return NONE;
  const { block = true, timeout = defaultTimeout, signal } = optionsOf(
    call,
    options as { block?: unknown; timeout?: unknown; signal?: unknown },
    allowed,
  );
  if (typeof block !== "boolean") {
    throw new TypeError(`'block' must be a boolean, got ${describe(block)}`);
  }
  const deadline = deadlineAfter(timeout);
  return {
    block,
    deadline: block ? deadline : Math.min(deadline, performance.now()),
    signal: checkSignal(signal),
  };
}

/**
 * A timed-out call's message with how long it waited, so that a timeout
 * written in seconds shows at once: `"Queue is empty after waiting 2 ms"`.
 * Without a finite timeout (or with `block: false`) the message stays as is.
 */
export function afterWaiting(
  message: string,
  options: { block?: boolean; timeout?: number | null } | undefined,
): string {
  const timeout = options?.timeout;
  if (options?.block === false || typeof timeout !== "number" || !Number.isFinite(timeout)) {
    return message;
  }
  return `${message} after waiting ${Math.max(0, timeout)} ms`;
}
