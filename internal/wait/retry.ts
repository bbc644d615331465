/**
 * The retry driver: retries a non-blocking attempt, sleeping between tries
 * on a shared word that changes when a retry could succeed (the message
 * channel's `WAKE` for consumers, `SPACE` for producers, `UNFINISHED` for
 * joiners). The word after a counted one counts sleepers, so that the other
 * side skips the notify system call when nobody sleeps.
 *
 * @module
 */

import { remaining, waitAsync, waitSync } from "./futex.ts";

/** What an attempt returns when it should be retried later. */
export const AGAIN: unique symbol = Symbol("again");

// Sleepers wake at least this often to re-check what no notify announces: a
// process that died (a Pipe's last writer, a lock owner).
const SLICE_MS = 100;

// How long a waiter spins on the watched word before it counts itself as a
// sleeper. A futex sleep and its wake cost tens of microseconds (an async
// wake, through the event loop, more), and once a waiter counts itself
// every put pays for a notify; a peer that answers within the spin costs
// none of that. But a spin only pays when the peer has a core to run on: on
// a busy machine it steals the peer's time. So the spin adapts, as adaptive
// mutexes do, to how long waits turn out to last: after a wait that a spin
// of at most SPIN_MAX_MS would have caught, it grows to cover it; after a
// longer one, it halves. Per thread, in ms. The floor stays above a peer's
// send-and-receive turnaround (a few microseconds), so that an idle machine's fast
// ping-pong is always caught; a sleep costs ten times the floor anyway.
const SPIN_MIN_MS = 0.004;
const SPIN_MAX_MS = 0.02;
let spinMs = 0.005;
// The clock is read once per this many loads.
const SPIN_BATCH = 64;

/** Retries `attempt` each time `i32[watch]` changes, for a bounded spin. */
function spin<T>(
  i32: Int32Array,
  watch: number,
  attempt: () => T | typeof AGAIN,
  start: number,
): T | typeof AGAIN {
  let seen = Atomics.load(i32, watch);
  const until = start + spinMs;
  do {
    for (let i = 0; i < SPIN_BATCH; i++) {
      const now = Atomics.load(i32, watch);
      if (now !== seen) {
        const result = attempt();
        if (result !== AGAIN) return result;
        seen = now;
      }
    }
  } while (performance.now() < until);
  return AGAIN;
}

/** Adapts the spin to a wait that began at `start` and just ended. */
function learn(start: number): void {
  const waited = performance.now() - start;
  spinMs = waited < SPIN_MAX_MS
    ? Math.min(SPIN_MAX_MS, Math.max(spinMs, waited * 1.5))
    : Math.max(SPIN_MIN_MS, spinMs / 2);
}

/**
 * Calls `attempt` until it returns something other than {@linkcode AGAIN}
 * or `deadline` passes (then returns AGAIN), blocking the thread between
 * tries. `counted` says whether `word + 1` counts sleepers on `word`; `watch`
 * is a word that changes whenever a retry could succeed (a count the peer
 * bumps), spun on before sleeping.
 */
export function untilSync<T>(
  i32: Int32Array,
  word: number,
  counted: boolean,
  attempt: () => T | typeof AGAIN,
  deadline: number,
  watch = word,
): T | typeof AGAIN {
  let result = attempt();
  if (result !== AGAIN || remaining(deadline) <= 0) return result;
  const start = performance.now();
  result = spin(i32, watch, attempt, start);
  if (result !== AGAIN) return result;
  // Count ourselves before reading the word: a peer that changes the word
  // after our read then sees a sleeper and notifies (all Atomics are
  // sequentially consistent, so the two orders cannot both miss).
  if (counted) Atomics.add(i32, word + 1, 1);
  try {
    for (;;) {
      const seen = Atomics.load(i32, word);
      result = attempt();
      if (result !== AGAIN) {
        learn(start);
        return result;
      }
      if (remaining(deadline) <= 0) return result;
      waitSync(i32, word, seen, Math.min(deadline, performance.now() + SLICE_MS));
    }
  } finally {
    if (counted) Atomics.sub(i32, word + 1, 1);
  }
}

/** The async form of {@linkcode untilSync}; rejects with `signal.reason` on abort. */
export async function untilAsync<T>(
  i32: Int32Array,
  word: number,
  counted: boolean,
  attempt: () => T | typeof AGAIN,
  deadline: number,
  signal?: AbortSignal,
  watch = word,
): Promise<T | typeof AGAIN> {
  signal?.throwIfAborted();
  let result = attempt();
  if (result !== AGAIN || remaining(deadline) <= 0) return result;
  const start = performance.now();
  result = spin(i32, watch, attempt, start);
  if (result !== AGAIN) return result;
  if (counted) Atomics.add(i32, word + 1, 1);
  try {
    for (;;) {
      const seen = Atomics.load(i32, word);
      result = attempt();
      if (result !== AGAIN) {
        learn(start);
        return result;
      }
      if (remaining(deadline) <= 0) return result;
      await waitAsync(i32, word, seen, Math.min(deadline, performance.now() + SLICE_MS), signal);
    }
  } finally {
    if (counted) Atomics.sub(i32, word + 1, 1);
  }
}
