/**
 * Who holds the write end of a pipe: one word per holding process in the
 * channel's `HOLDERS` table, so that a reader can tell "every writer has
 * closed or died" (then `recv` throws `EOFError`) from "nothing sent yet".
 *
 * A word is 0 when free, `slot + 1` for a process holding the end, or
 * `-(slot + 1)` for a copy on its way to a new process, shared by process
 * `slot`: the new process has no slot the sender could know, so the copy
 * counts as a writer for as long as the process that sent it lives, until
 * the receiver claims the word with its own slot.
 *
 * @module
 */

import { HOLDER_WORDS, HOLDERS } from "./_channel.ts";
import { currentSlot, slotAlive } from "./_registry.ts";

function holderAlive(word: number): boolean {
  if (word === 0) return false;
  return slotAlive(word > 0 ? word - 1 : -word - 1);
}

/** Takes a free (or dead) holder word for `value`; returns its index. */
export function addHolder(i32: Int32Array, value: number): number {
  for (let i = HOLDERS; i < HOLDERS + HOLDER_WORDS; i++) {
    const word = Atomics.load(i32, i);
    if (word === value) return i;
    if (!holderAlive(word) && Atomics.compareExchange(i32, i, word, value) === word) return i;
  }
  throw new RangeError(
    `A pipe end is held by more than ${HOLDER_WORDS} live processes at once`,
  );
}

/** Registers this process as holding the end (once per process). */
export function hold(i32: Int32Array): void {
  addHolder(i32, currentSlot() + 1);
}

/** A word standing for a copy of the end on its way to another process. */
export function ticket(i32: Int32Array): number {
  const value = -(currentSlot() + 1);
  for (let i = HOLDERS; i < HOLDERS + HOLDER_WORDS; i++) {
    const word = Atomics.load(i32, i);
    if (!holderAlive(word) && Atomics.compareExchange(i32, i, word, value) === word) return i;
  }
  throw new RangeError(
    `A pipe end is held by more than ${HOLDER_WORDS} live processes at once`,
  );
}

/**
 * Registers this process as holding the end it received with `index`'s
 * ticket. A ticket already claimed (the same copy revived in several
 * processes, as with Pool initializer arguments) is left alone.
 */
export function claim(i32: Int32Array, index: number | undefined): void {
  const me = currentSlot() + 1;
  if (index !== undefined) {
    const word = Atomics.load(i32, index);
    if (word < 0 && Atomics.compareExchange(i32, index, word, me) === word) return;
  }
  hold(i32);
}

/** Drops every hold of this process (its sent copies' tickets stay). */
export function release(i32: Int32Array): void {
  const me = currentSlot() + 1;
  for (let i = HOLDERS; i < HOLDERS + HOLDER_WORDS; i++) {
    if (Atomics.load(i32, i) === me) Atomics.compareExchange(i32, i, me, 0);
  }
}

/**
 * Whether any live process may still write. `countSelf: false` leaves out
 * this process's own hold: a thread blocked in `recvSync` cannot send.
 */
export function writersAlive(i32: Int32Array, countSelf: boolean): boolean {
  const me = currentSlot() + 1;
  for (let i = HOLDERS; i < HOLDERS + HOLDER_WORDS; i++) {
    const word = Atomics.load(i32, i);
    if (word === me && !countSelf) continue;
    if (holderAlive(word)) return true;
  }
  return false;
}
