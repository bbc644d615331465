/**
 * What `connection.wait` waits on: an object that can say whether it is
 * ready (a `Connection` with a message or at its end, a `Queue` with items
 * or closed, a process's sentinel once it has ended) and names the shared
 * word that changes when it may have become so. One wait then serves every
 * kind of object, sleeping on their words at once.
 *
 * @module
 */

import { remaining, waitAsync, waitSync } from "./futex.ts";

/** The method a waitable object implements. */
export const readySymbol: unique symbol = Symbol.for("@tsmp/multiprocessing.ready");

/** The readiness of one object, as `wait` sees it. */
export interface ReadyWord {
  /** The shared words holding `index`. */
  readonly i32: Int32Array;
  /** The word that changes when the object may have become ready. */
  readonly index: number;
  /** Whether `index + 1` counts sleepers (the writer notifies only when some sleep). */
  readonly counted: boolean;
  /** Whether the object is ready now; `async` says whether the waiter can still run other tasks. */
  ready(async: boolean): boolean;
}

/** An object `connection.wait` accepts. */
export interface Waitable {
  /** Its readiness: the shared word to sleep on, and whether it is ready now. */
  [readySymbol](): ReadyWord;
}

/** Whether `value` can be waited on. */
export function isWaitable(value: unknown): value is Waitable {
  return typeof value === "object" && value !== null &&
    typeof (value as Partial<Waitable>)[readySymbol] === "function";
}

// A slice of an async wait: losers of a race are cancelled after it, so
// this only bounds how late a wake that nobody announced is seen (a dead
// writer, a process table entry).
const SLICE_MS = 100;
// A sync wait sleeps on the first word and polls the others, the sleep
// growing from MIN to MAX ms while nothing is ready.
const SYNC_MIN_MS = 0.05;
const SYNC_MAX_MS = 5;

// What a wait on no objects at all sleeps on (nobody wakes it): its
// slices still run the wait's checks (a process declared ended stops).
const IDLE = new Int32Array(new SharedArrayBuffer(4));

function count(words: ReadyWord[], by: number): void {
  for (const w of words) if (w.counted) Atomics.add(w.i32, w.index + 1, by);
}

/**
 * The ready objects of `objects`, in their order, once one is ready or
 * `deadline` passes (then none).
 */
export async function waitReady<T>(
  objects: T[],
  words: ReadyWord[],
  deadline: number,
  signal?: AbortSignal,
): Promise<T[]> {
  signal?.throwIfAborted();
  // Count ourselves as a sleeper before reading the words: a writer after
  // our read then sees a sleeper and bumps the word we wait on.
  count(words, 1);
  try {
    for (;;) {
      const seen = words.map((w) => Atomics.load(w.i32, w.index));
      const ready = objects.filter((_, i) => words[i].ready(true));
      if (ready.length > 0 || remaining(deadline) <= 0) return ready;
      const stop = new AbortController();
      const any = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
      const until = Math.min(deadline, performance.now() + SLICE_MS);
      const sleeps: Promise<unknown>[] = words.map((w, i) =>
        waitAsync(w.i32, w.index, seen[i], until, any)
      );
      if (sleeps.length === 0) sleeps.push(waitAsync(IDLE, 0, 0, until, any));
      try {
        await Promise.race(sleeps.map((p) => p.catch(() => {})));
      } finally {
        stop.abort();
      }
      signal?.throwIfAborted();
    }
  } finally {
    count(words, -1);
  }
}

/** The `Sync` form of {@linkcode waitReady}: blocks the thread. */
export function waitReadySync<T>(objects: T[], words: ReadyWord[], deadline: number): T[] {
  count(words, 1);
  try {
    let sleep = SYNC_MIN_MS;
    for (;;) {
      const first = words[0];
      const seen = first ? Atomics.load(first.i32, first.index) : 0;
      const ready = objects.filter((_, i) => words[i].ready(false));
      if (ready.length > 0 || remaining(deadline) <= 0) return ready;
      const until = Math.min(deadline, performance.now() + sleep);
      if (first) waitSync(first.i32, first.index, seen, until);
      else waitSync(IDLE, 0, 0, until);
      sleep = Math.min(SYNC_MAX_MS, sleep * 2);
    }
  } finally {
    count(words, -1);
  }
}
