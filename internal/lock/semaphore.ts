/**
 * `Semaphore` and `BoundedSemaphore`: a counter of permits in a
 * `SharedArrayBuffer`, taken with a compare-and-swap, with a sleeper count so
 * that a release only notifies when someone sleeps, and a small table of
 * which processes hold permits, so that permits held by a process that ends
 * are given back.
 *
 * An owned semaphore changes the count and the holder table together, under
 * a small lock that is taken over from an owner that died (the channel's
 * lock): a process can be killed between any two instructions, and a permit
 * taken but not yet recorded would be lost for good. Each change is written
 * first as a redo record (`TX`), so that whoever takes the lock over from a
 * dead owner completes the change it was making.
 *
 * @module
 */

import { registerShareable, type SharedRef, shareSymbol } from "../shareable.ts";
import { checkAlive, critical, slotAlive } from "../process/table.ts";
import { AbandonedLockError } from "./errors.ts";
import { lock, unlock } from "../channel/lock.ts";
import {
  acquireDeadline,
  type AcquireOptions,
  type AsyncAcquireOptions,
  CHECK_MS,
  checkCount,
  ownerId,
  signalOf,
} from "./core.ts";
import { type Blocking, runAsync, runSync } from "../wait/driver.ts";
import { LockLike } from "./guard.ts";
import { optionsOf } from "../options.ts";
import { describe } from "../wait/futex.ts";
import { printAsString } from "../inspect.ts";

// Layout of a semaphore's buffer (Int32 words).
/** Permits available; waiters sleep on this word while it is 0. */
const VALUE = 0;
/** How many waiters sleep (or are about to) on VALUE; release notifies only if > 0. */
const SLEEPERS = 1;
/** BoundedSemaphore: the most permits there may be; -1 for a plain Semaphore. */
const BOUND = 2;
/** 1 when permits belong to the process that took them (the `owned` option). */
const OWNED = 3;
/** Owned: the lock over VALUE and the holder table (owner id; the next word counts sleepers). */
const LOCK = 4;
/** Owned: the change under way, 0 for none, else its holder entry + 2 (1: no entry). */
const TX = 6;
/** Owned: the VALUE the change under way sets. */
const TX_VALUE = 7;
/** Owned: the permits held its entry is set to. */
const TX_HELD = 8;
/** Start of the holder table: HOLDERS entries of [owner id, permits held]. */
const TABLE = 10;
/** Entries in the holder table; past this many live holders, permits go untracked. */
const HOLDERS = 32;
const WORDS = TABLE + 2 * HOLDERS;

// A process's entry in the table, cached per object: not looked up yet, or
// the table had no room.
const UNKNOWN = -1;
const UNTRACKED = -2;

/** Options for {@linkcode Semaphore}. */
export interface SemaphoreOptions {
  /**
   * Whether a permit belongs to the process that acquired it, so that the
   * permits a process holds when it ends are given back (the waiter that
   * reclaims them gets {@linkcode AbandonedLockError}). That suits a
   * semaphore guarding resources; one used as a one-way signal (one
   * process releases, another acquires for good) must not be owned, or a
   * consumer that ends would hand its signals back. So the default follows
   * the initial value: a `Semaphore(0)` starts with nothing to guard and is
   * taken for a signal. The first 32 processes holding permits at once are
   * tracked; permits of others are not.
   * @default {value > 0}
   */
  owned?: boolean;
}

/**
 * Takes a permit if there is one. `entry` is the caller's holder entry, for
 * an owned semaphore (UNTRACKED when the table had no room for it).
 */
function takeOne(view: Int32Array, entry: number): boolean {
  if (view[OWNED] === 0) {
    // A critical section of the process: a permit is never taken after
    // its end is published (an owned one is, under the lock below).
    return critical(() => {
      let v = Atomics.load(view, VALUE);
      while (v > 0) {
        const seen = Atomics.compareExchange(view, VALUE, v, v - 1);
        if (seen === v) return true;
        v = seen;
      }
      return false;
    });
  }
  lock(view, LOCK, ownerId());
  try {
    redo(view);
    const v = view[VALUE];
    if (v <= 0) return false;
    change(view, entry, v - 1, entry >= 0 ? view[TABLE + 2 * entry + 1] + 1 : 0);
    return true;
  } finally {
    unlock(view, LOCK);
  }
}

/**
 * Sets VALUE to `value` and entry `entry`'s permits to `held` (under the
 * lock): the redo record first, so that a process killed half-way leaves a
 * change the next lock holder completes.
 */
function change(view: Int32Array, entry: number, value: number, held: number): void {
  view[TX_VALUE] = value;
  view[TX_HELD] = held;
  // Seq-cst: the record's words are visible before TX says there is one.
  Atomics.store(view, TX, entry >= 0 ? entry + 2 : 1);
  Atomics.store(view, VALUE, value);
  if (entry >= 0) Atomics.store(view, TABLE + 2 * entry + 1, held);
  Atomics.store(view, TX, 0);
}

/** Completes a change whose maker died under the lock (under the lock). */
function redo(view: Int32Array): void {
  const tx = view[TX];
  if (tx === 0) return;
  Atomics.store(view, VALUE, view[TX_VALUE]);
  if (tx >= 2) Atomics.store(view, TABLE + 2 * (tx - 2) + 1, view[TX_HELD]);
  Atomics.store(view, TX, 0);
}

/** Takes a permit: the slow path, after the fast attempt failed. */
function* take(
  view: Int32Array,
  entry: number,
  deadline: number,
  kind: string,
): Blocking<boolean> {
  for (;;) {
    if (takeOne(view, entry)) return true;
    if (view[OWNED] === 1) reclaim(view, kind);
    const now = performance.now();
    if (now >= deadline) return false;
    // Count ourselves before the wait re-reads VALUE: a release adds to
    // VALUE then reads SLEEPERS, so it either sees us or we see its permit.
    Atomics.add(view, SLEEPERS, 1);
    try {
      yield { view, index: VALUE, expected: 0, deadline: Math.min(deadline, now + CHECK_MS) };
    } finally {
      Atomics.sub(view, SLEEPERS, 1);
    }
  }
}

/** Gives back the permits of holders that have ended; throws if there were any. */
function reclaim(view: Int32Array, kind: string): void {
  let dead = -1;
  lock(view, LOCK, ownerId());
  try {
    redo(view);
    for (let e = 0; e < HOLDERS; e++) {
      const owner = Atomics.load(view, TABLE + 2 * e);
      if (owner === 0 || slotAlive(owner - 1)) continue;
      const held = view[TABLE + 2 * e + 1];
      if (held > 0) {
        change(view, e, view[VALUE] + held, 0);
        dead = owner - 1;
        break;
      }
    }
  } finally {
    unlock(view, LOCK);
  }
  if (dead >= 0) {
    Atomics.notify(view, VALUE);
    throw new AbandonedLockError(kind, dead);
  }
}

/** Finds or claims this process's entry in the holder table. */
function claimEntry(view: Int32Array): number {
  const me = ownerId();
  for (let e = 0; e < HOLDERS; e++) if (Atomics.load(view, TABLE + 2 * e) === me) return e;
  for (let e = 0; e < HOLDERS; e++) {
    const at = TABLE + 2 * e;
    const owner = Atomics.load(view, at);
    // A free entry, or one of an ended process that held nothing.
    if (
      (owner === 0 || (!slotAlive(owner - 1) && Atomics.load(view, at + 1) === 0)) &&
      Atomics.compareExchange(view, at, owner, me) === owner
    ) {
      return e;
    }
  }
  return UNTRACKED;
}

let adopt: (s: Semaphore, buffer: SharedArrayBuffer) => void;

/**
 * A counter of permits shared by processes: Python's
 * `multiprocessing.Semaphore`. `acquire` takes one (waiting while there are
 * none), `release` adds one; releasing more than was acquired is allowed and
 * raises the count. When it starts with permits (a guard of resources), a
 * process that ends holding some gives them back to the next waiter that
 * would otherwise wait, which gets {@linkcode AbandonedLockError}; a
 * `Semaphore(0)` is taken for a signal and does not (see `owned` in
 * {@linkcode SemaphoreOptions}).
 *
 * @example At most two at a time
 * ```ts
 * import { Semaphore } from "@tsmp/multiprocessing";
 *
 * const slots = new Semaphore(2);
 * await Promise.all([1, 2, 3].map((n) =>
 *   slots.withLock(async () => {
 *     console.log(`task ${n} in, ${slots.getValue()} free`);
 *     await new Promise((r) => setTimeout(r, 10));
 *   })
 * ));
 * ```
 */
export class Semaphore extends LockLike {
  #view: Int32Array;
  #entry = UNKNOWN;

  static {
    adopt = (s, buffer) => {
      s.#view = new Int32Array(buffer);
      s.#entry = UNKNOWN;
    };
  }

  /**
   * Makes a semaphore with `value` permits.
   *
   * @param value The initial number of permits. @default {1}
   * @param options Whether permits are owned (see {@linkcode SemaphoreOptions}).
   * @throws {TypeError} If `value` is not an integer.
   * @throws {RangeError} If `value` is negative or above 2^31 - 1.
   */
  constructor(value = 1, options: SemaphoreOptions = {}) {
    super(
      new.target === BoundedSemaphore || new.target.prototype instanceof BoundedSemaphore
        ? "BoundedSemaphore"
        : "Semaphore",
    );
    checkCount(value, "value", 0);
    const { owned = value > 0 } = optionsOf(`new ${new.target.name}`, options, ["owned"]);
    if (typeof owned !== "boolean") {
      throw new TypeError(`'owned' must be a boolean, got ${describe(owned)}`);
    }
    this.#view = new Int32Array(new SharedArrayBuffer(WORDS * 4));
    this.#view[VALUE] = value;
    this.#view[BOUND] = this instanceof BoundedSemaphore ? value : -1;
    this.#view[OWNED] = owned ? 1 : 0;
  }

  #kind(): string {
    return this.#view[BOUND] < 0 ? "Semaphore" : "BoundedSemaphore";
  }

  /** This process's holder entry (UNTRACKED when the table is full or unowned). */
  #entryOf(): number {
    if (this.#entry === UNKNOWN) {
      this.#entry = this.#view[OWNED] === 1 ? claimEntry(this.#view) : UNTRACKED;
    }
    return this.#entry;
  }

  /**
   * Takes a permit, blocking the thread while there is none.
   *
   * @param options `timeout` in ms; `block: false` tries once.
   * @returns true once taken; false after the timeout or when `block` is false.
   * @throws {AbandonedLockError} If it found permits of an ended process
   * (they are given back; retry).
   * @throws {TypeError} For an unknown or malformed option.
   */
  acquireSync(options?: AcquireOptions): boolean {
    checkAlive();
    const deadline = acquireDeadline(options, `${this.#kind()}.acquireSync`, true);
    const view = this.#view;
    const entry = this.#entryOf();
    return takeOne(view, entry) || runSync(take(view, entry, deadline, this.#kind()));
  }

  /**
   * Takes a permit without blocking the thread.
   *
   * @param options `timeout` in ms, `block: false`, an abort `signal`.
   * @returns true once taken; false after the timeout or when `block` is false.
   * @throws {AbandonedLockError} If it found permits of an ended process.
   * @throws {TypeError} For an unknown or malformed option.
   */
  async acquire(options?: AsyncAcquireOptions): Promise<boolean> {
    checkAlive();
    const deadline = acquireDeadline(options, `${this.#kind()}.acquire`, false);
    const signal = signalOf(options);
    const view = this.#view;
    const entry = this.#entryOf();
    return takeOne(view, entry) ||
      await runAsync(take(view, entry, deadline, this.#kind()), signal);
  }

  /**
   * Adds a permit and wakes one waiter.
   *
   * @throws {RangeError} On a BoundedSemaphore, if that would exceed its
   * initial value (Python's `ValueError`).
   */
  release(): void {
    checkAlive();
    const view = this.#view;
    const bound = view[BOUND];
    if (view[OWNED] === 0) {
      critical(() => {
        let v = Atomics.load(view, VALUE);
        for (;;) {
          if (bound >= 0 && v >= bound) throw pastBound(bound);
          const seen = Atomics.compareExchange(view, VALUE, v, v + 1);
          if (seen === v) return;
          v = seen;
        }
      });
    } else {
      const entry = this.#entryOf();
      lock(view, LOCK, ownerId());
      try {
        redo(view);
        const v = view[VALUE];
        if (bound >= 0 && v >= bound) throw pastBound(bound);
        // Gives back one of this process's own permits, if it holds any.
        const held = entry >= 0 ? Math.max(0, view[TABLE + 2 * entry + 1] - 1) : 0;
        change(view, entry, v + 1, held);
      } finally {
        unlock(view, LOCK);
      }
    }
    // VALUE was raised before SLEEPERS is read, and a waiter counts itself
    // in SLEEPERS before it re-reads VALUE (both seq-cst): so either we see
    // it and wake it, or it sees our permit and does not sleep.
    if (Atomics.load(view, SLEEPERS) > 0) Atomics.notify(view, VALUE, 1);
  }

  /**
   * The number of permits available now.
   *
   * @returns The count.
   */
  getValue(): number {
    checkAlive();
    return Atomics.load(this.#view, VALUE);
  }

  /**
   * Describes it for sending to another process (used by `Process` args).
   *
   * @returns The semaphore's state, for the process it is sent to.
   */
  [shareSymbol](): SharedRef {
    return { kind: this.#kind(), module: import.meta.url, state: { buffer: this.#view.buffer } };
  }

  /**
   * Shows it for debugging.
   *
   * @returns `<Semaphore(value=N)>`, `<BoundedSemaphore(value=N, maxvalue=M)>`.
   */
  override toString(): string {
    const bound = this.#view[BOUND];
    return `<${this.#kind()}(value=${this.getValue()}` +
      (bound >= 0 ? `, maxvalue=${bound})>` : ")>");
  }
}

printAsString(Semaphore);

/**
 * A {@linkcode Semaphore} that may not be released past its initial value:
 * Python's `multiprocessing.BoundedSemaphore`.
 *
 * @example Over-release is an error
 * ```ts
 * import { BoundedSemaphore } from "@tsmp/multiprocessing";
 *
 * const sem = new BoundedSemaphore(1);
 * sem.acquireSync();
 * sem.release();
 * try {
 *   sem.release();
 * } catch (error) {
 *   console.log(error instanceof RangeError); // true
 * }
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  /**
   * Makes a bounded semaphore with `value` permits, at most.
   *
   * @param value The initial and greatest number of permits. @default {1}
   * @param options Whether permits are owned (see {@linkcode SemaphoreOptions}).
   * @throws {TypeError} If `value` is not an integer.
   * @throws {RangeError} If `value` is negative or above 2^31 - 1.
   */
  constructor(value = 1, options: SemaphoreOptions = {}) {
    super(value, options);
  }
}

function pastBound(bound: number): RangeError {
  return new RangeError(`Cannot release a BoundedSemaphore past its initial value ${bound}`);
}

function reviver(Kind: typeof Semaphore) {
  return (state: unknown): Semaphore => {
    const s = new Kind(0);
    adopt(s, (state as { buffer: SharedArrayBuffer }).buffer);
    return s;
  };
}

registerShareable("Semaphore", reviver(Semaphore));
registerShareable("BoundedSemaphore", reviver(BoundedSemaphore));
