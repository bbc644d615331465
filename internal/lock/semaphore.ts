/**
 * `Semaphore` and `BoundedSemaphore`: a counter of permits in a
 * `SharedArrayBuffer`, taken with a compare-and-swap, with a sleeper count so
 * that a release only notifies when someone sleeps, and a small table of
 * which processes hold permits, so that permits held by a process that ends
 * are given back.
 *
 * @module
 */

import { registerShareable, type SharedRef, shareSymbol } from "../shareable.ts";
import { slotAlive } from "../process/table.ts";
import { AbandonedLockError } from "./errors.ts";
import {
  acquireDeadline,
  type AcquireOptions,
  type AsyncAcquireOptions,
  type Blocking,
  CHECK_MS,
  checkCount,
  ownerId,
  runAsync,
  runSync,
  signalOf,
} from "./core.ts";
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
/** Start of the holder table: HOLDERS entries of [owner id, permits held]. */
const TABLE = 4;
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

/** Takes a permit: the slow path, after the fast CAS failed. */
function* take(view: Int32Array, deadline: number, kind: string): Blocking<boolean> {
  for (;;) {
    let v = Atomics.load(view, VALUE);
    while (v > 0) {
      const seen = Atomics.compareExchange(view, VALUE, v, v - 1);
      if (seen === v) return true;
      v = seen;
    }
    reclaim(view, kind);
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
  for (let e = 0; e < HOLDERS; e++) {
    const owner = Atomics.load(view, TABLE + 2 * e);
    if (owner === 0 || slotAlive(owner - 1)) continue;
    const at = TABLE + 2 * e + 1;
    const held = Atomics.load(view, at);
    // The owner is dead, so only reclaimers race for this count: one CAS wins.
    if (held > 0 && Atomics.compareExchange(view, at, held, 0) === held) {
      Atomics.add(view, VALUE, held);
      Atomics.notify(view, VALUE, held);
      throw new AbandonedLockError(kind, owner - 1);
    }
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

  #took(): void {
    const view = this.#view;
    if (view[OWNED] === 0) return;
    if (this.#entry === UNKNOWN) this.#entry = claimEntry(view);
    if (this.#entry >= 0) Atomics.add(view, TABLE + 2 * this.#entry + 1, 1);
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
    const deadline = acquireDeadline(options, `${this.#kind()}.acquireSync`, true);
    const view = this.#view;
    const v = Atomics.load(view, VALUE);
    if (
      (v > 0 && Atomics.compareExchange(view, VALUE, v, v - 1) === v) ||
      runSync(take(view, deadline, this.#kind()))
    ) {
      this.#took();
      return true;
    }
    return false;
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
    const deadline = acquireDeadline(options, `${this.#kind()}.acquire`, false);
    const signal = signalOf(options);
    const view = this.#view;
    const v = Atomics.load(view, VALUE);
    if (
      (v > 0 && Atomics.compareExchange(view, VALUE, v, v - 1) === v) ||
      await runAsync(take(view, deadline, this.#kind()), signal)
    ) {
      this.#took();
      return true;
    }
    return false;
  }

  /**
   * Adds a permit and wakes one waiter.
   *
   * @throws {RangeError} On a BoundedSemaphore, if that would exceed its
   * initial value (Python's `ValueError`).
   */
  release(): void {
    const view = this.#view;
    const bound = view[BOUND];
    let v = Atomics.load(view, VALUE);
    for (;;) {
      if (bound >= 0 && v >= bound) {
        throw new RangeError(`Cannot release a BoundedSemaphore past its initial value ${bound}`);
      }
      const seen = Atomics.compareExchange(view, VALUE, v, v + 1);
      if (seen === v) break;
      v = seen;
    }
    if (this.#entry === UNKNOWN && view[OWNED] === 1) this.#entry = claimEntry(view);
    if (this.#entry >= 0) {
      // Give back one of this process's own permits, if it holds any.
      const at = TABLE + 2 * this.#entry + 1;
      let held = Atomics.load(view, at);
      while (held > 0) {
        const seen = Atomics.compareExchange(view, at, held, held - 1);
        if (seen === held) break;
        held = seen;
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
    return Atomics.load(this.#view, VALUE);
  }

  /**
   * Describes it for sending to another process (used by `Process` args).
   *
   * @returns The semaphore's state for `_share.ts`.
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

function reviver(Kind: typeof Semaphore) {
  return (state: unknown): Semaphore => {
    const s = new Kind(0);
    adopt(s, (state as { buffer: SharedArrayBuffer }).buffer);
    return s;
  };
}

registerShareable("Semaphore", reviver(Semaphore));
registerShareable("BoundedSemaphore", reviver(BoundedSemaphore));
