/**
 * The one wait/notify helper under every blocking primitive: a short spin,
 * then `Atomics.wait` (the `Sync` forms) or `Atomics.waitAsync` (the async
 * forms), with timeouts in milliseconds and an optional `AbortSignal`.
 *
 * Callers always re-check their own condition after a wake: a wake may be
 * spurious, and an async wait is cut into slices so that a lost wake-up (a
 * known class of `Atomics.waitAsync` bugs) costs at most one slice, never a
 * hang.
 *
 * @module
 */

/** What a wait ended with. */
export type WaitResult = "ok" | "not-equal" | "timed-out";

// Loads of the word before sleeping. A sleep and its wake cost tens of
// microseconds (two system calls and a reschedule) while a load costs about a
// nanosecond, so a short spin catches the common case of a peer that is just
// about to write.
const SPIN_LOADS = 200;

// Longest single `Atomics.waitAsync`; the wait is re-armed after each slice,
// so a lost wake-up delays a waiter by at most this much.
const ASYNC_SLICE_MS = 200;

/** Milliseconds left until `deadline`, never negative. */
export function remaining(deadline: number): number {
  return deadline === Infinity ? Infinity : Math.max(0, deadline - performance.now());
}

/** Checks that `signal` is an `AbortSignal` or undefined. */
export function checkSignal(signal: unknown, name = "signal"): AbortSignal | undefined {
  if (signal === undefined || signal === null) return undefined;
  if (!(signal instanceof AbortSignal)) {
    throw new TypeError(`'${name}' must be an AbortSignal, got ${describe(signal)}`);
  }
  return signal;
}

// A blocked thread wakes at least this often to run the slice check: a
// thread whose process was declared ended must not sleep on (see
// `process/table.ts`). An async wait runs it after each of its slices.
const SYNC_SLICE_MS = 100;
let sliceCheck: (() => void) | undefined;

/** Sets what a blocked wait runs each time a slice of it times out (it may throw). */
export function onWaitSlice(check: () => void): void {
  sliceCheck = check;
}

/**
 * Blocks the calling thread while `view[index] === expected`, until woken or
 * until `deadline` (absolute, on `performance.now()`'s clock).
 */
export function waitSync(
  view: Int32Array,
  index: number,
  expected: number,
  deadline = Infinity,
): WaitResult {
  for (let i = 0; i < SPIN_LOADS; i++) {
    if (Atomics.load(view, index) !== expected) return "not-equal";
  }
  let left = remaining(deadline);
  if (left <= 0) return "timed-out";
  for (;;) {
    const result = Atomics.wait(view, index, expected, Math.min(left, SYNC_SLICE_MS));
    if (result !== "timed-out") return result;
    sliceCheck?.();
    left = remaining(deadline);
    if (left <= 0) return "timed-out";
  }
}

/**
 * Waits without blocking while `view[index] === expected`, until woken,
 * until `deadline`, or until `signal` aborts (then it rejects with the
 * signal's reason).
 *
 * Its first slice arms an `Atomics.waitAsync` with no timeout of its own: a
 * runtime's timed `waitAsync` keeps a timer of its own for each wait (a raw
 * async round trip between two threads took 40-44 µs on Bun with a timeout,
 * 31-33 without; 37-41 and 33-34 on Deno), and ours is there anyway. A wait
 * that outlasts that slice wakes that waiter itself (the other waiters on
 * the word then re-check, as after any spurious wake) and arms one per
 * further slice with the slice as its timeout, so that a lost wake-up costs
 * at most a slice; one that ends first, unwoken (a deadline, an abort, a
 * change seen without a wake), wakes it too: no waiter is left behind.
 */
export async function waitAsync(
  view: Int32Array,
  index: number,
  expected: number,
  deadline = Infinity,
  signal?: AbortSignal,
): Promise<WaitResult> {
  signal?.throwIfAborted();
  for (let i = 0; i < SPIN_LOADS; i++) {
    if (Atomics.load(view, index) !== expected) return "not-equal";
  }
  if (remaining(deadline) <= 0) return "timed-out";
  const untimed = Atomics.waitAsync(view, index, expected);
  if (!untimed.async) return "not-equal";
  let woken = false;
  untimed.value.then(() => void (woken = true));
  try {
    let armed: Promise<string> = untimed.value;
    for (let slices = 0;; slices++) {
      const left = remaining(deadline);
      if (left <= 0) return "timed-out";
      const slice = Math.min(left, ASYNC_SLICE_MS);
      if (slices > 0) {
        if (!woken) {
          woken = true;
          Atomics.notify(view, index);
        }
        const timed = Atomics.waitAsync(view, index, expected, slice);
        if (!timed.async) return timed.value === "not-equal" ? "not-equal" : "ok";
        armed = timed.value;
      }
      // The timer keeps the event loop alive while we wait: a pending
      // waitAsync alone does not in every runtime, and a program awaiting a
      // queue must not exit under it.
      let timer: ReturnType<typeof setTimeout> | undefined;
      let onAbort: (() => void) | undefined;
      const how = await new Promise<string>((resolve) => {
        timer = setTimeout(resolve, slice + 1, "timed-out");
        armed.then(resolve);
        if (signal) {
          onAbort = () => resolve("aborted");
          signal.addEventListener("abort", onAbort, { once: true });
        }
      });
      clearTimeout(timer);
      if (onAbort) signal!.removeEventListener("abort", onAbort);
      if (how === "aborted") signal!.throwIfAborted();
      if (how === "ok") return "ok";
      if (Atomics.load(view, index) !== expected) return "not-equal";
      sliceCheck?.();
    }
  } finally {
    if (!woken) Atomics.notify(view, index);
  }
}

/**
 * Waits for `promise` until `deadline` (absolute, on `performance.now()`'s
 * clock): true once it has settled, false at the deadline; rejects with the
 * signal's reason if `signal` aborts first (or already has).
 */
export function settledBy(
  promise: Promise<unknown>,
  deadline: number,
  signal?: AbortSignal,
): Promise<boolean> {
  if (deadline === Infinity && !signal) return promise.then(() => true);
  return new Promise<boolean>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      clear();
      reject(signal!.reason);
    };
    const clear = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    void promise.then(() => {
      clear();
      resolve(true);
    });
    if (deadline !== Infinity) {
      timer = setTimeout(() => {
        clear();
        resolve(false);
      }, remaining(deadline));
    }
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Wakes up to `count` waiters on `view[index]`. */
export function notify(view: Int32Array, index: number, count = Infinity): number {
  return Atomics.notify(view, index, count);
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "string") {
    return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  }
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    const name = proto?.constructor?.name;
    return Array.isArray(value)
      ? "an array"
      : name && name !== "Object"
      ? `a ${name}`
      : "an object";
  }
  return `${typeof value} ${String(value)}`;
}
