/**
 * Who holds an end of a pipe: one entry per holding process in a table of
 * the channel, `HOLDERS` for the processes that may write to it and
 * `READERS` for those that may read it. A reader can so tell "every writer
 * has closed or died" (then `recv` throws `EOFError`) from "nothing sent
 * yet", and a writer that every reader is gone (then `send` throws
 * `BrokenPipeError`).
 *
 * An entry is two words, `[who, since]`. `who` is 0 when free, `slot + 1`
 * for a process holding the end, or `-(slot + 1)` for a copy on its way to
 * a new process, sent by process `slot`. The new process has no slot yet
 * when the copy is made (a `Process` encodes its args when constructed), but
 * its slot will be at least the number of slots handed out by then, kept in
 * `since`. So a copy in flight counts as a holder while its sender lives and
 * either no process has started since, or one started since still runs;
 * the receiver then claims the entry with its own slot.
 *
 * @module
 */

import { HOLDER_WORDS, HOLDERS, READERS } from "./layout.ts";
import { currentSlot, slotAlive, slotCount } from "../process/table.ts";

/** Which table: the end's writers or its readers. */
export type HolderTable = typeof HOLDERS | typeof READERS;

export { HOLDERS, READERS };

/** Whether the entry at `i` may still use the end. */
function entryAlive(i32: Int32Array, i: number, who: number): boolean {
  if (who === 0) return false;
  if (who > 0) return slotAlive(who - 1);
  if (!slotAlive(-who - 1)) return false;
  // A copy in flight: alive until every process started since it was made
  // has ended. `since` is written just after `who`; a reader that sees an
  // older (smaller) value checks more processes, never fewer.
  const since = Atomics.load(i32, i + 1);
  const count = slotCount();
  if (count === since) return true;
  for (let slot = since; slot < count; slot++) if (slotAlive(slot)) return true;
  return false;
}

function tooMany(): RangeError {
  return new RangeError(
    `A pipe end is held by more than ${HOLDER_WORDS / 2} live processes at once`,
  );
}

/** Takes a free (or dead) entry of `table` for `value`; returns its index. */
function addHolder(i32: Int32Array, table: HolderTable, value: number): number {
  for (let i = table; i < table + HOLDER_WORDS; i += 2) {
    const word = Atomics.load(i32, i);
    if (word === value) return i;
    if (!entryAlive(i32, i, word) && Atomics.compareExchange(i32, i, word, value) === word) {
      return i;
    }
  }
  throw tooMany();
}

/** Registers this process as holding the end (once per process). */
export function hold(i32: Int32Array, table: HolderTable): void {
  addHolder(i32, table, currentSlot() + 1);
}

/** An entry standing for a copy of the end on its way to another process. */
export function ticket(i32: Int32Array, table: HolderTable): number {
  const value = -(currentSlot() + 1);
  const since = slotCount();
  for (let i = table; i < table + HOLDER_WORDS; i += 2) {
    const word = Atomics.load(i32, i);
    if (!entryAlive(i32, i, word) && Atomics.compareExchange(i32, i, word, value) === word) {
      Atomics.store(i32, i + 1, since);
      return i;
    }
  }
  throw tooMany();
}

/**
 * Registers this process as holding the end it received with `index`'s
 * ticket. A ticket already claimed (the same copy revived in several
 * processes, as with Pool initializer arguments) is left alone.
 */
export function claim(i32: Int32Array, table: HolderTable, index: number | undefined): void {
  const me = currentSlot() + 1;
  if (index !== undefined) {
    const word = Atomics.load(i32, index);
    if (word < 0 && Atomics.compareExchange(i32, index, word, me) === word) return;
  }
  hold(i32, table);
}

/** Drops every hold of this process in `table` (its sent copies' tickets stay). */
export function release(i32: Int32Array, table: HolderTable): void {
  const me = currentSlot() + 1;
  for (let i = table; i < table + HOLDER_WORDS; i += 2) {
    if (Atomics.load(i32, i) === me) Atomics.compareExchange(i32, i, me, 0);
  }
}

/**
 * Whether any live process may still use the end. `countSelf: false`
 * leaves out this process's own hold: a thread blocked in `recvSync` cannot
 * send.
 */
export function holdersAlive(i32: Int32Array, table: HolderTable, countSelf: boolean): boolean {
  const me = currentSlot() + 1;
  for (let i = table; i < table + HOLDER_WORDS; i += 2) {
    const word = Atomics.load(i32, i);
    if (word === me && !countSelf) continue;
    if (entryAlive(i32, i, word)) return true;
  }
  return false;
}
