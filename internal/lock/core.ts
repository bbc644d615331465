/**
 * The core under every lock: the owner word of a mutex (its bits are read
 * and written only here), the mutex's blocking algorithm (run by
 * `internal/wait/driver.ts`), and the option checks every primitive shares
 * (the errors users catch are in `errors.ts`).
 *
 * @module
 */

import { checkAlive, currentSlot, fenced, slotAlive, stopFenced } from "../process/table.ts";
import { AbandonedLockError } from "./errors.ts";
import {
  BLOCK_TIMEOUT,
  BLOCK_TIMEOUT_SIGNAL,
  blockingOptions,
  TIMEOUT,
  TIMEOUT_SIGNAL,
} from "../options.ts";
import { describe, waitSync } from "../wait/futex.ts";
import type { Blocking } from "../wait/driver.ts";

// How often a blocked waiter checks that the process it waits on is alive.
// Long enough to cost nothing next to a sleep and its wake (tens of
// microseconds), short enough that
// a dead owner is noticed well within a second.
/** Milliseconds between liveness checks of a blocked waiter. */
export const CHECK_MS = 50;

// Loads spent on a held lock before setting the waiters bit and sleeping: a
// critical section of a few dozen ns usually ends within this spin, and the
// releaser then skips the notify.
const SPIN = 100;

let me = 0;

/**
 * This process's owner id: its slot in the process table plus one (0 =
 * free). Every acquire asks for it before it takes anything, so this is
 * where a process declared ended is stopped (see `process/table.ts`).
 */
export function ownerId(): number {
  checkAlive();
  // Cached on first use, which is always after a child has adopted its slot:
  // the bootstrap adopts it before importing any user module.
  return me || (me = currentSlot() + 1);
}

// A mutex word: 0 when free, else (owner id << 1) | WAITERS.
/** Bit of a mutex word: some process may sleep on it; the releaser must notify. */
export const WAITERS = 1;

/** The owner id in a mutex word (0 if free). */
export function ownerOf(word: number): number {
  return word >>> 1;
}

/** Whether this process holds the mutex at `view[index]`. */
export function isMine(view: Int32Array, index: number): boolean {
  return Atomics.load(view, index) >>> 1 === ownerId();
}

/**
 * Called right after this process took the mutex at `view[index]`. A
 * process declared ended between {@linkcode ownerId}'s check and its
 * compare-and-swap must not hold the lock: it lets go and stops. (Both
 * are sequentially consistent: if this load misses the claim, the lock
 * was taken before the process's end and counts as abandoned by it.)
 */
function taken(view: Int32Array, index: number): true {
  if (!fenced()) return true;
  const mine = me << 1;
  let c = Atomics.load(view, index);
  while ((c & ~WAITERS) === mine) {
    const seen = Atomics.compareExchange(view, index, c, 0);
    if (seen === c) {
      if (c & WAITERS) Atomics.notify(view, index, 1);
      break;
    }
    c = seen;
  }
  stopFenced();
}

/** Takes the mutex at `view[index]` if it is free (one compare-and-swap); returns whether it did. */
export function tryTake(view: Int32Array, index: number): boolean {
  return Atomics.compareExchange(view, index, 0, ownerId() << 1) === 0 && taken(view, index);
}

/**
 * Spins briefly on a held mutex, taking it if it frees up: most critical
 * sections end within the spin, and taking it here (without the waiters
 * bit) spares the sleep, the generator of {@linkcode lockWord} and the
 * releaser's notify. Returns whether it took the mutex.
 */
export function spinTake(view: Int32Array, index: number): boolean {
  const mine = ownerId() << 1;
  for (let i = 0; i < SPIN; i++) {
    if (Atomics.load(view, index) === 0 && Atomics.compareExchange(view, index, 0, mine) === 0) {
      return taken(view, index);
    }
  }
  return false;
}

/** Where a slow-path acquire is: the word last seen, and whether it has slept. */
interface Taking {
  c: number;
  // Whether we have slept: then others may sleep too, and we must take the
  // lock with the waiters bit set so that our release wakes them (Drepper's
  // "Futexes are tricky", mutex take 3). A wait that returned at once
  // ("not-equal": the word changed during its spin) consumed no wake-up, so
  // whoever did consume the releaser's notify re-marks the word instead, and
  // we may take it plainly, sparing our own release a notify.
  slept: boolean;
  /** When the coming sleep ends, to re-check the owner's liveness. */
  until: number;
}

/**
 * One step of taking the mutex at `view[index]`: true once taken, false at
 * the deadline, else the word to sleep on (until `t.until`), with the
 * waiters bit set. If the owner has ended, frees the lock and throws
 * {@linkcode AbandonedLockError}: exactly one waiter (the one whose CAS
 * frees it) learns of it, and every other one simply takes the lock.
 */
function lockStep(
  view: Int32Array,
  index: number,
  deadline: number,
  kind: string,
  t: Taking,
): boolean | number {
  const mine = ownerId() << 1;
  let c = t.c;
  for (;;) {
    if (c === 0) {
      c = Atomics.compareExchange(view, index, 0, t.slept ? mine | WAITERS : mine);
      if (c === 0) return taken(view, index);
      continue;
    }
    const owner = ownerOf(c) - 1;
    if (!slotAlive(owner)) {
      if (Atomics.compareExchange(view, index, c, 0) === c) {
        Atomics.notify(view, index, 1);
        throw new AbandonedLockError(kind, owner);
      }
      c = Atomics.load(view, index);
      continue;
    }
    const now = performance.now();
    if (now >= deadline) return false;
    if ((c & WAITERS) === 0) {
      const seen = Atomics.compareExchange(view, index, c, c | WAITERS);
      if (seen !== c) {
        c = seen;
        continue;
      }
      c |= WAITERS;
    }
    t.until = Math.min(deadline, now + CHECK_MS);
    return c;
  }
}

/**
 * Takes the mutex at `view[index]`, blocking the thread (the slow path,
 * after a failed CAS and {@linkcode spinTake}). Returns false at the
 * deadline; throws {@linkcode AbandonedLockError} if the owner has ended.
 * Written without a generator: this is the contended path of `acquireSync`.
 */
export function lockWordSync(
  view: Int32Array,
  index: number,
  deadline: number,
  kind: string,
): boolean {
  const t: Taking = { c: Atomics.load(view, index), slept: false, until: 0 };
  for (;;) {
    const step = lockStep(view, index, deadline, kind, t);
    if (typeof step === "boolean") return step;
    if (waitSync(view, index, step, t.until) !== "not-equal") t.slept = true;
    t.c = Atomics.load(view, index);
  }
}

/** {@linkcode lockWordSync} as a blocking algorithm, for the async forms. */
export function* lockWord(
  view: Int32Array,
  index: number,
  deadline: number,
  kind: string,
): Blocking<boolean> {
  const t: Taking = { c: Atomics.load(view, index), slept: false, until: 0 };
  for (;;) {
    const step = lockStep(view, index, deadline, kind, t);
    if (typeof step === "boolean") return step;
    const woke = yield { view, index, expected: step, deadline: t.until };
    if (woke !== "not-equal") t.slept = true;
    t.c = Atomics.load(view, index);
  }
}

/** Frees the mutex at `view[index]`; returns the word it held (0: it was free). */
export function unlockWord(view: Int32Array, index: number): number {
  // A process declared ended must not free a lock someone has taken over.
  checkAlive();
  // One seq-cst exchange both publishes the critical section's writes to
  // the next owner (whose CAS reads this 0) and tells us whether anyone
  // set the waiters bit; a waiter that sets it after this sees 0 instead
  // and takes the lock rather than sleeping.
  const old = Atomics.exchange(view, index, 0);
  if (old & WAITERS) Atomics.notify(view, index, 1);
  return old;
}

/** The parts of a Lock or RLock that a Condition (or a Value) works with. */
export interface MutexCore {
  readonly view: Int32Array;
  /** The mutex word. */
  readonly index: number;
  /** The recursion count word of an RLock; -1 for a Lock. */
  readonly countIndex: number;
  readonly kind: string;
}

// Each Lock and RLock's core, kept off the public surface of the classes.
const cores = new WeakMap<object, MutexCore>();

/** Records the core of a Lock or RLock (at construction and at revival). */
export function setCore(lock: object, core: MutexCore): void {
  cores.set(lock, core);
}

/** The core of a Lock or RLock; undefined for anything else. */
export function coreOf(value: unknown): MutexCore | undefined {
  return typeof value === "object" && value !== null ? cores.get(value) : undefined;
}

/** Options of a `Sync` wait. */
export interface WaitOptions {
  /** Milliseconds to wait at most. @default {Infinity} */
  timeout?: number;
}

/** Options of an async wait. */
export interface AsyncWaitOptions extends WaitOptions {
  /** Stops waiting, rejecting with the signal's reason, when aborted. @default {undefined} */
  signal?: AbortSignal;
}

/** Options of a `Sync` acquire. */
export interface AcquireOptions extends WaitOptions {
  /** `false` tries once and returns at once (Python's `block=False`). @default {true} */
  block?: boolean;
}

/** Options of an async acquire. */
export interface AsyncAcquireOptions extends AcquireOptions {
  /** Stops waiting, rejecting with the signal's reason, when aborted. @default {undefined} */
  signal?: AbortSignal;
}

/**
 * Checks acquire options (see `internal/options.ts`); returns the deadline,
 * -1 for `block: false`. `call` names the method in error messages.
 */
export function acquireDeadline(
  options: AcquireOptions | undefined,
  call: string,
  sync: boolean,
): number {
  if (options === undefined) return Infinity;
  const { block, deadline } = blockingOptions(
    call,
    options,
    sync ? BLOCK_TIMEOUT : BLOCK_TIMEOUT_SIGNAL,
  );
  return block ? deadline : -1;
}

/** Checks wait options (no `block`); returns the deadline. */
export function waitDeadline(
  options: WaitOptions | undefined,
  call: string,
  sync: boolean,
): number {
  if (options === undefined) return Infinity;
  return blockingOptions(call, options, sync ? TIMEOUT : TIMEOUT_SIGNAL).deadline;
}

/** The signal of checked async options (throws if already aborted). */
export function signalOf(options: AsyncWaitOptions | undefined): AbortSignal | undefined {
  const signal = options?.signal;
  signal?.throwIfAborted();
  return signal;
}

/** Checks a count argument: an integer in `[min, 2^31 - 1]`. */
export function checkCount(value: unknown, name: string, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`'${name}' must be an integer, got ${describe(value)}`);
  }
  if (value < min || value > 0x7fff_ffff) {
    throw new RangeError(`'${name}' must be an integer from ${min} to 2147483647, got ${value}`);
  }
  return value;
}
