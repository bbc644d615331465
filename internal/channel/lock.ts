/**
 * The channel's two locks (put and get): a word holding the owner's process
 * slot + 1 (0 when free) and, in the word after it, the number of processes
 * sleeping on it. Critical sections are synchronous and last microseconds.
 *
 * A lock whose owner has ended is taken over; the channel's order of stores
 * makes whatever the owner left half-done invisible (see `channel.ts`).
 *
 * @module
 */

import { enterShared, leaveShared, slotAlive, stopFenced } from "../process/table.ts";
import { notify, waitSync } from "../wait/futex.ts";

// A lock holder's critical section is a few microseconds; a waiter wakes at
// least this often anyway, to check whether the owner has died.
const LOCK_SLICE_MS = 50;
// How long a lock must stay with an ended owner before it is taken over
// (see lockSlow): far longer than a terminated thread runs on.
const STEAL_GRACE_MS = 300;

/**
 * Takes the lock at `i32[word]` for owner word `me` (slot + 1), and enters
 * the process's critical section (see `enterShared`).
 */
export function lock(i32: Int32Array, word: number, me: number): void {
  if (Atomics.compareExchange(i32, word, 0, me) !== 0) lockSlow(i32, word, me);
  // A process declared ended may still be running (terminate() does not
  // stop a busy Deno worker at all, others only a moment later): it must
  // not touch the channel again. Checked after taking the lock: whatever it
  // does under the lock, its parent waits for before publishing its end.
  if (!enterShared()) {
    Atomics.store(i32, word, 0);
    if (Atomics.load(i32, word + 1) > 0) notify(i32, word, 1);
    stopFenced();
  }
}

function lockSlow(i32: Int32Array, word: number, me: number): void {
  let dead = 0;
  let deadSince = 0;
  for (;;) {
    const owner = Atomics.load(i32, word);
    if (owner === 0) {
      // Seen free: an ended owner that still ran has let go, so its
      // grace starts over if it takes the lock again.
      dead = 0;
      if (Atomics.compareExchange(i32, word, 0, me) === 0) return;
    } else if (owner === me) {
      // Critical sections never await, so only re-entry (a getter on the
      // value being put that uses the same channel) gets here.
      throw new Error("A queue or pipe was used from inside a value being put on it");
    } else if (!slotAlive(owner - 1)) {
      // The owner ended while holding it; its half-done work is invisible,
      // so the lock is taken over. Not at once: a process is marked ended
      // when terminate() is called, a moment before its thread really
      // stops, so a "dead" owner may still be finishing its critical
      // section. Take it only once it has stayed with that owner for
      // STEAL_GRACE_MS (and lock() makes an ended process give up the
      // channel, so it can only be in a critical section it entered before
      // it was marked).
      const now = performance.now();
      if (owner !== dead) {
        dead = owner;
        deadSince = now;
      } else if (now - deadSince >= STEAL_GRACE_MS) {
        if (Atomics.compareExchange(i32, word, owner, me) === owner) return;
      }
      waitSync(i32, word, owner, now + 5);
    } else {
      Atomics.add(i32, word + 1, 1);
      waitSync(i32, word, owner, performance.now() + LOCK_SLICE_MS);
      Atomics.sub(i32, word + 1, 1);
    }
  }
}

/** Lets go of the lock at `i32[word]`, waking one sleeper if there is one. */
export function unlock(i32: Int32Array, word: number): void {
  Atomics.store(i32, word, 0);
  leaveShared();
  if (Atomics.load(i32, word + 1) > 0) notify(i32, word, 1);
}
