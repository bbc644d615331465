/**
 * The process table: one growable `SharedArrayBuffer` for a whole process
 * tree, holding each process's liveness and exit code. It is the library's
 * own exit-code and liveness channel (the runtimes' worker events are
 * incomplete: a Deno Web Worker reports no exit at all), the thing `join()`
 * waits on, and how a lock learns that its owner died.
 *
 * A process is named by its slot; slots are never reused, so a lock owner
 * word (`slot + 1`, 0 meaning free) can never point at a newer process.
 *
 * ## Fencing
 *
 * A process is declared ended in two steps. Its exit code is claimed first
 * (by the process itself, or by `terminate()`/`kill()` in its parent): from
 * then on the process is *fenced*, and every shared operation it starts
 * (a put or get, taking a lock, reading a shared value, a blocked wait
 * waking up) stops its thread instead ({@linkcode checkAlive}). Only then is
 * `STATE` set to EXITED, which `join()` waits for and which lets others take
 * over its locks; the parent sets it once the thread is reported gone and
 * no critical section it entered before the claim is still under way
 * (`BUSY`, see {@linkcode enterShared}). So a thread the runtime cannot
 * stop (Deno's busy workers) never acts on shared memory after its end.
 *
 * @module
 */

import { notify, onWaitSlice, waitAsync, waitSync } from "../wait/futex.ts";
import type { ReadyWord } from "../wait/ready.ts";

// Header words, then SLOT_INTS words per slot.
/** Next slot to hand out (Atomics.add). */
const NEXT_SLOT = 0;
// One 64-byte line, so that slots start on line boundaries.
const HEADER_INTS = 16;

// Words of one slot.
/** STARTING, ALIVE or EXITED; waiters on exit wait on this word. */
const STATE = 0;
/** The exit code, valid once STATE is EXITED; UNSET until someone claims it. */
const EXITCODE = 1;
/**
 * The process's name, NAME_INTS words of two UTF-16 units each (0-padded),
 * so that any process can name another in a message (a lock's dead holder).
 */
const NAME = 2;
const NAME_INTS = 12;
/** The slot of the process that started this one (0 for the main process's children). */
const PARENT = NAME + NAME_INTS;
/**
 * How many critical sections ({@linkcode enterShared}) the process is inside:
 * they nest (a Manager's container lock, then the arena's).
 */
const BUSY = PARENT + 1;
// A slot fills a 64-byte line: BUSY is written on every put and get, and
// must not share a line with the words another process reads on its own.
const SLOT_INTS = 16;

/** The slot is handed out; the child has not started running yet. */
export const STARTING = 0;
/** The child runs its target. */
export const ALIVE = 1;
/** The process has ended; its exit code is final. */
export const EXITED = 2;

// An exit code no process can have; the first writer to replace it wins, so
// a child's own exit and a parent's terminate() never both take effect.
const UNSET = 0x7fff_ffff;

const INITIAL_SLOTS = 1024;
// 2M processes per tree; a table this large is 128 MiB (address space is
// reserved for it, memory only as it grows).
const MAX_BYTES = (HEADER_INTS + SLOT_INTS * (1 << 21)) * 4;

interface Registry {
  sab: SharedArrayBuffer;
  view: Int32Array;
  slot: number;
  /** What a fenced thread does: the bootstrap ends the worker. */
  onFenced?: () => void;
}

// Kept on globalThis so that two copies of the library loaded in one thread
// (by two import URLs) still share one table and one identity.
const KEY = Symbol.for("@tsmp/multiprocessing.registry");
type Holder = { [KEY]?: Registry };

function registry(): Registry {
  const holder = globalThis as Holder;
  let reg = holder[KEY];
  if (!reg) {
    // The main process of a tree: it creates the table and takes slot 0.
    const sab = new SharedArrayBuffer((HEADER_INTS + SLOT_INTS * INITIAL_SLOTS) * 4, {
      maxByteLength: MAX_BYTES,
    });
    const view = new Int32Array(sab);
    view[NEXT_SLOT] = 1;
    view[HEADER_INTS + STATE] = ALIVE;
    view[HEADER_INTS + EXITCODE] = UNSET;
    reg = holder[KEY] = { sab, view, slot: 0 };
  }
  return reg;
}

/**
 * Makes this thread the process in `slot` of the table `sab` (child side);
 * `onFenced` ends the thread once the process has been declared ended.
 */
export function adoptTable(sab: SharedArrayBuffer, slot: number, onFenced?: () => void): void {
  (globalThis as Holder)[KEY] = { sab, view: new Int32Array(sab), slot, onFenced };
  selfView = undefined;
  wholeOf = undefined;
}

// V8 reads and writes a length-tracking view of a growable buffer several
// times slower than a fixed-length one (~60 ns against ~13 ns an Atomics
// operation). The table only grows, and a fixed view stays valid over the
// part it was made for, so the hot paths use fixed views: this thread's own
// slot words (read on every put and get) and one over the whole table,
// remade when a slot falls past it.
let selfView: Int32Array | undefined;
let wholeView: Int32Array | undefined;
let wholeOf: Registry | undefined;

function self(): Int32Array {
  if (selfView === undefined) {
    const reg = registry();
    selfView = new Int32Array(reg.sab, at(reg.slot, 0) * 4, SLOT_INTS);
  }
  return selfView;
}

/** A fixed-length view of the table that covers `slot` if the table does (else as much as there is). */
function words(slot: number): Int32Array {
  const reg = registry();
  if (wholeOf !== reg || wholeView!.length < at(slot + 1, 0)) {
    wholeOf = reg;
    wholeView = new Int32Array(reg.sab, 0, reg.sab.byteLength >> 2);
  }
  return wholeView!;
}

/** Whether this process has been declared ended (its exit code is claimed). */
export function fenced(): boolean {
  return Atomics.load(self(), EXITCODE) !== UNSET;
}

/**
 * Stops a thread whose process has been declared ended: ends the worker at
 * once (uncatchably, on every runtime), or throws where there is no worker
 * to end.
 */
export function stopFenced(): never {
  registry().onFenced?.();
  throw new Error("This process has ended; it can no longer use shared objects");
}

/** Stops this thread if its process has been declared ended. */
export function checkAlive(): void {
  if (fenced()) stopFenced();
}

/**
 * Marks this thread as inside a critical section that must finish before
 * its process counts as ended (a channel's put or get, a store to a shared
 * value): returns false, marking nothing, if the process has been declared
 * ended already. The increment comes before the load and the parent claims
 * before it reads BUSY (all sequentially consistent): so either this thread
 * sees the claim, or the parent sees BUSY and waits for
 * {@linkcode leaveShared}. Sections nest; each enter is matched by one leave.
 */
export function enterShared(): boolean {
  const view = self();
  Atomics.add(view, BUSY, 1);
  if (Atomics.load(view, EXITCODE) === UNSET) return true;
  Atomics.sub(view, BUSY, 1);
  return false;
}

/** Ends what {@linkcode enterShared} began. */
export function leaveShared(): void {
  Atomics.sub(self(), BUSY, 1);
}

/**
 * Enters a critical section (see {@linkcode enterShared}) around a few
 * stores to shared memory, or stops the thread if its process has been
 * declared ended: a store made between this and {@linkcode leaveShared}
 * lands before the process's end is published, or never. (No closure, no
 * try: it guards single stores that cannot throw, on hot paths.)
 */
export function enterCritical(): void {
  if (!enterShared()) stopFenced();
}

/** {@linkcode enterCritical}, `fn`, {@linkcode leaveShared} (also when `fn` throws). */
export function critical<T>(fn: () => T): T {
  enterCritical();
  try {
    return fn();
  } finally {
    leaveShared();
  }
}

// A blocked wait in a fenced thread wakes within a slice and stops.
onWaitSlice(checkAlive);

/** The table's buffer, handed to every child at start. */
export function tableBuffer(): SharedArrayBuffer {
  return registry().sab;
}

/** This thread's slot (0 in the main process). */
export function currentSlot(): number {
  return registry().slot;
}

/** How many slots have been handed out (every process of the tree has one below it). */
export function slotCount(): number {
  return Atomics.load(words(0), NEXT_SLOT);
}

/** Hands out a fresh slot for a child about to start, named `name`. */
export function allocSlot(name: string): number {
  const { sab, view } = registry();
  const slot = Atomics.add(view, NEXT_SLOT, 1);
  const needed = (HEADER_INTS + SLOT_INTS * (slot + 1)) * 4;
  if (needed > MAX_BYTES) throw new RangeError("Too many processes in one tree (2^21)");
  while (sab.byteLength < needed) {
    try {
      sab.grow(Math.min(MAX_BYTES, Math.max(needed, sab.byteLength * 2)));
    } catch (error) {
      // Another process grew it first (growing to a smaller size throws).
      if (sab.byteLength < needed) throw error;
    }
  }
  Atomics.store(view, at(slot, EXITCODE), UNSET);
  const units = 2 * NAME_INTS;
  const stored = name.length > units ? `${name.slice(0, units - 1)}\u2026` : name;
  for (let i = 0; i < NAME_INTS; i++) {
    const lo = stored.charCodeAt(2 * i) || 0;
    const hi = stored.charCodeAt(2 * i + 1) || 0;
    view[at(slot, NAME + i)] = lo | (hi << 16);
  }
  view[at(slot, PARENT)] = registry().slot;
  // The STATE store publishes the name and parent words written before it.
  Atomics.store(view, at(slot, STATE), STARTING);
  return slot;
}

/**
 * Records every descendant of the process in `slot` that has not recorded
 * its own end as ended with `code`: a worker's nested workers end with it
 * (Node and Bun stop them; Deno's stop running their timers), and nothing
 * else would record them, so their locks would never count as abandoned nor
 * their pipe ends as closed. Called once `slot` itself has ended.
 */
export function markDescendantsExited(slot: number, code: number): void {
  const { view } = registry();
  const next = Atomics.load(view, NEXT_SLOT);
  // A descendant's slot is always higher than its ancestors' (slots are
  // handed out in order), so one pass finds the whole subtree.
  const ended = new Set([slot]);
  for (let s = slot + 1; s < next; s++) {
    if (!ended.has(view[at(s, PARENT)])) continue;
    ended.add(s);
    markExited(s, code);
  }
}

/**
 * The name of the process in `slot` (`"MainProcess"` for slot 0); a name of
 * more than 24 characters is cut to 23 and an ellipsis.
 */
export function slotName(slot: number): string {
  if (slot === 0) return "MainProcess";
  const { view } = registry();
  if (slot < 0 || at(slot + 1, 0) > view.length) return `slot ${slot}`;
  let name = "";
  for (let i = 0; i < NAME_INTS; i++) {
    const word = Atomics.load(view, at(slot, NAME + i));
    const lo = word & 0xffff;
    const hi = word >>> 16;
    if (lo === 0) return name;
    name += String.fromCharCode(lo);
    if (hi === 0) return name;
    name += String.fromCharCode(hi);
  }
  return name;
}

function at(slot: number, word: number): number {
  return HEADER_INTS + slot * SLOT_INTS + word;
}

/** STARTING, ALIVE or EXITED. */
export function slotState(slot: number): number {
  return Atomics.load(words(slot), at(slot, STATE));
}

/** Whether the process in `slot` has not ended. */
export function slotAlive(slot: number): boolean {
  return slotState(slot) !== EXITED;
}

/** The exit code of an ended process, or null while it runs. */
export function slotExitCode(slot: number): number | null {
  const { view } = registry();
  if (Atomics.load(view, at(slot, STATE)) !== EXITED) return null;
  return Atomics.load(view, at(slot, EXITCODE));
}

/** Marks a started child as running its target. */
export function markAlive(slot: number): void {
  Atomics.compareExchange(registry().view, at(slot, STATE), STARTING, ALIVE);
}

/**
 * Claims `code` as the exit code of the process in `slot`, fencing it (see
 * the module doc); only the first claim for a slot takes effect, and this
 * returns whether this one did.
 */
export function claimExit(slot: number, code: number): boolean {
  return Atomics.compareExchange(registry().view, at(slot, EXITCODE), UNSET, code | 0) === UNSET;
}

/**
 * Records that the process in `slot` ended with `code` (unless an exit code
 * was claimed before) and publishes it: `join()` returns, its locks may be
 * taken over. Returns whether `code` is the one recorded.
 */
export function markExited(slot: number, code: number): boolean {
  const { view } = registry();
  // Claim the exit code first, then publish STATE: a reader that sees EXITED
  // always sees the winning code.
  const won = claimExit(slot, code);
  if (Atomics.load(view, at(slot, STATE)) !== EXITED) {
    Atomics.store(view, at(slot, STATE), EXITED);
    notify(view, at(slot, STATE));
  }
  return won;
}

/**
 * Waits (at most `graceMs`) until the fenced process in `slot` is out of
 * any critical section it entered before it was fenced. A thread the
 * runtime stopped inside one never leaves it; the channel's order of
 * stores makes that harmless.
 */
export async function quiesced(slot: number, graceMs: number): Promise<void> {
  const { view } = registry();
  const until = performance.now() + graceMs;
  while (Atomics.load(view, at(slot, BUSY)) !== 0 && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Blocks until the process in `slot` has ended or `deadline` passes. */
export function waitExitedSync(slot: number, deadline: number): boolean {
  const { view } = registry();
  const index = at(slot, STATE);
  for (let state = Atomics.load(view, index); state !== EXITED; state = Atomics.load(view, index)) {
    if (waitSync(view, index, state, deadline) === "timed-out") return slotState(slot) === EXITED;
  }
  return true;
}

/** Waits until the process in `slot` has ended or `deadline` passes. */
export async function waitExited(
  slot: number,
  deadline: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const { view } = registry();
  const index = at(slot, STATE);
  for (let state = Atomics.load(view, index); state !== EXITED; state = Atomics.load(view, index)) {
    const result = await waitAsync(view, index, state, deadline, signal);
    if (result === "timed-out") return slotState(slot) === EXITED;
  }
  return true;
}

/** How `connection.wait` sees the end of the process in `slot` (markExited always notifies). */
export function exitReady(slot: number): ReadyWord {
  const { view } = registry();
  return {
    i32: view,
    index: at(slot, STATE),
    counted: false,
    ready: () => Atomics.load(view, at(slot, STATE)) === EXITED,
  };
}
