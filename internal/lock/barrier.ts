/**
 * `Barrier`: Python's `threading.Barrier` algorithm (filling, draining,
 * resetting, broken) on shared words guarded by a futex mutex, with a table
 * of the processes that take part, so that a party that dies breaks the
 * barrier instead of leaving the others waiting forever.
 *
 * @module
 */

import { registerShareable, type SharedRef, shareSymbol } from "../shareable.ts";
import { checkAlive, slotAlive, slotExitCode } from "../process/table.ts";
import { AbandonedLockError, BrokenBarrierError } from "./errors.ts";
import {
  type AsyncWaitOptions,
  CHECK_MS,
  checkCount,
  lockWord,
  ownerId,
  signalOf,
  spinTake,
  tryTake,
  unlockWord,
  waitDeadline,
  type WaitOptions,
} from "./core.ts";
import { deadlineAfter, optionsOf } from "../options.ts";
import { describe } from "../wait/futex.ts";
import { printAsString } from "../inspect.ts";
import { type Blocking, runAsync, runSync } from "../wait/driver.ts";

// Layout of a Barrier's buffer (Int32 words).
/** The mutex word guarding every other word. */
const MUTEX = 0;
/** FILLING, DRAINING, RESETTING or BROKEN. */
const STATE = 1;
/** Parties inside wait() (arrived and not yet left). */
const COUNT = 2;
/** Bumped at every change of STATE; waiters sleep on it. */
const SEQ = 3;
/** The number of parties. */
const PARTIES = 4;
/** Start of the party table: ENTRIES entries of [owner id, times inside wait()]. */
const TABLE = 5;
const ENTRIES = 64;
const WORDS = TABLE + 2 * ENTRIES;

const FILLING = 0;
const DRAINING = 1;
const RESETTING = 2;
const BROKEN = 3;

/** Options for {@linkcode Barrier}. */
export interface BarrierOptions {
  /**
   * Called by the last party to arrive, before any is released. A function
   * cannot travel to another process, so a Barrier with an action stays in
   * the process that made it; across processes, let the party whose
   * `wait()` returns 0 do the work.
   * @default {undefined}
   */
  action?: () => void;
  /** Default timeout of `wait()`, in ms. @default {Infinity} */
  timeout?: number;
}

/** Changes STATE and wakes every waiter. Called holding the mutex. */
function setState(view: Int32Array, state: number): void {
  view[STATE] = state;
  Atomics.add(view, SEQ, 1);
  Atomics.notify(view, SEQ);
}

/** Takes the mutex; if its holder died in it, takes it anyway and breaks the barrier. */
function* lock(view: Int32Array): Blocking<void> {
  for (;;) {
    if (tryTake(view, MUTEX)) return;
    if (spinTake(view, MUTEX)) return;
    try {
      yield* lockWord(view, MUTEX, Infinity, "Barrier");
      return;
    } catch (error) {
      if (!(error instanceof AbandonedLockError)) throw error;
      if (tryTake(view, MUTEX)) {
        setState(view, BROKEN);
        return;
      }
    }
  }
}

/** This process's entry in the party table, or -1 if it is full. */
function entryOf(view: Int32Array): number {
  const me = ownerId();
  let free = -1;
  for (let e = 0; e < ENTRIES; e++) {
    const owner = view[TABLE + 2 * e];
    if (owner === me) return e;
    if (
      free < 0 && (owner === 0 || (!slotAlive(owner - 1) && view[TABLE + 2 * e + 1] === 0 &&
        slotExitCode(owner - 1) === 0))
    ) free = e;
  }
  if (free >= 0) {
    view[TABLE + 2 * free] = me;
    view[TABLE + 2 * free + 1] = 0;
  }
  return free;
}

/**
 * Whether a party has died: ended inside wait(), or ended abnormally after
 * taking part (a worker killed between rounds will never arrive). Leaves
 * wait() on a dead party's behalf. Called holding the mutex.
 */
function deadParty(view: Int32Array): boolean {
  let dead = false;
  for (let e = 0; e < ENTRIES; e++) {
    const owner = view[TABLE + 2 * e];
    if (owner === 0 || slotAlive(owner - 1)) continue;
    const inside = view[TABLE + 2 * e + 1];
    if (inside > 0) {
      view[COUNT] -= inside;
      view[TABLE + 2 * e + 1] = 0;
      dead = true;
    } else if (slotExitCode(owner - 1) !== 0) {
      dead = true;
    }
  }
  return dead;
}

/**
 * Releases the mutex, sleeps until STATE changes, the deadline passes or a
 * party dies, and retakes it. Returns false at the deadline.
 */
function* sleep(view: Int32Array, deadline: number): Blocking<boolean> {
  const seq = Atomics.load(view, SEQ);
  unlockWord(view, MUTEX);
  let dead = false;
  let timedOut = false;
  try {
    for (;;) {
      if (Atomics.load(view, SEQ) !== seq) break;
      const now = performance.now();
      if (now >= deadline) {
        timedOut = true;
        break;
      }
      yield { view, index: SEQ, expected: seq, deadline: Math.min(deadline, now + CHECK_MS) };
      if (Atomics.load(view, SEQ) === seq && performance.now() < deadline) {
        // A quiet interval: check that no party has died.
        yield* lock(view);
        dead = deadParty(view);
        unlockWord(view, MUTEX);
        if (dead) break;
      }
    }
  } finally {
    yield* lock(view);
  }
  if (dead) setState(view, BROKEN);
  return !timedOut;
}

function* barrierWait(
  view: Int32Array,
  deadline: number,
  action: (() => void) | undefined,
): Blocking<number> {
  yield* lock(view);
  let entered = false;
  let entry = -1;
  try {
    // Python's _enter: let a previous round drain or a reset finish.
    while (view[STATE] === DRAINING || view[STATE] === RESETTING) {
      if (!(yield* sleep(view, deadline))) setState(view, BROKEN);
    }
    if (view[STATE] === BROKEN) throw new BrokenBarrierError();
    const index = view[COUNT]++;
    entered = true;
    entry = entryOf(view);
    if (entry >= 0) view[TABLE + 2 * entry + 1]++;
    if (index + 1 === view[PARTIES]) {
      try {
        action?.();
      } catch (error) {
        setState(view, BROKEN);
        throw error;
      }
      setState(view, DRAINING);
      return index;
    }
    try {
      while (view[STATE] === FILLING) {
        if (!(yield* sleep(view, deadline))) setState(view, BROKEN);
      }
    } catch (error) {
      // Aborted: the others cannot complete this round without us.
      setState(view, BROKEN);
      throw error;
    }
    if (view[STATE] !== DRAINING) throw new BrokenBarrierError();
    return index;
  } finally {
    if (entered) leave(view, entry);
    unlockWord(view, MUTEX);
  }
}

/** Python's _exit: the last party out of a drained or reset round refills it. */
function leave(view: Int32Array, entry: number): void {
  // A dead party's count was already taken out by deadParty().
  if (entry >= 0 && view[TABLE + 2 * entry + 1] > 0) view[TABLE + 2 * entry + 1]--;
  if (--view[COUNT] <= 0) {
    view[COUNT] = 0;
    if (view[STATE] === RESETTING || view[STATE] === DRAINING) setState(view, FILLING);
  }
}

let adopt: (b: Barrier, buffer: SharedArrayBuffer, timeout: number | undefined) => void;

/**
 * A meeting point for a fixed number of parties (processes, or tasks):
 * Python's `multiprocessing.Barrier`. Each `wait()` blocks until `parties`
 * of them have arrived, then all go on; it can be used again. Unlike
 * Python's, a party that dies (inside `wait()`, or killed or crashed after
 * taking part) breaks the barrier, so the others get
 * {@linkcode BrokenBarrierError} instead of waiting forever.
 *
 * @example A start line for three processes
 * ```ts
 * import { Barrier, Process } from "@tsmp/multiprocessing";
 *
 * export async function runner(line: Barrier, name: string) {
 *   const index = await line.wait({ timeout: 5000 });
 *   console.log(`${name} off (arrival ${index})`);
 * }
 *
 * if (import.meta.main) {
 *   const line = new Barrier(3);
 *   const ps = ["a", "b", "c"].map((n) => new Process({ target: runner, args: [line, n] }));
 *   for (const p of ps) p.start();
 *   for (const p of ps) await p.join();
 * }
 * ```
 */
export class Barrier {
  #view: Int32Array;
  #action: (() => void) | undefined;
  #timeout: number | undefined;

  static {
    adopt = (b, buffer, timeout) => {
      b.#view = new Int32Array(buffer);
      b.#timeout = timeout;
    };
  }

  /**
   * Makes a barrier for `parties` parties.
   *
   * @param parties How many must arrive before all go on.
   * @param options An `action` for the last arrival, a default `timeout` in ms.
   * @throws {TypeError} If `parties` is not an integer or `action` not a function.
   * @throws {RangeError} If `parties` is below 1.
   * @throws {TypeError} For an unknown option or a `timeout` that is not a number.
   */
  constructor(parties: number, options: BarrierOptions = {}) {
    checkCount(parties, "parties", 1);
    const { action, timeout } = optionsOf("new Barrier", options, ["action", "timeout"]);
    if (action !== undefined && typeof action !== "function") {
      throw new TypeError(`'action' must be a function, got ${describe(action)}`);
    }
    deadlineAfter(timeout);
    this.#action = action;
    this.#timeout = timeout;
    this.#view = new Int32Array(new SharedArrayBuffer(WORDS * 4));
    this.#view[PARTIES] = parties;
  }

  #deadline(options: WaitOptions | undefined, sync: boolean): number {
    const deadline = waitDeadline(options, sync ? "Barrier.waitSync" : "Barrier.wait", sync);
    return options?.timeout === undefined ? deadlineAfter(this.#timeout) : deadline;
  }

  /**
   * Arrives and blocks the thread until all parties have.
   *
   * @param options `timeout` in ms (else the barrier's default).
   * @returns This party's arrival index, 0 to parties - 1 (unique per round).
   * @throws {BrokenBarrierError} If the barrier is or becomes broken; a
   * timeout breaks it.
   * @throws {TypeError} For an unknown option or a `timeout` that is not a number.
   */
  waitSync(options?: WaitOptions): number {
    checkAlive();
    return runSync(barrierWait(this.#view, this.#deadline(options, true), this.#action));
  }

  /**
   * Arrives and waits, without blocking the thread, until all parties have.
   *
   * @param options `timeout` in ms (else the barrier's default), an abort
   * `signal` (aborting breaks the barrier).
   * @returns This party's arrival index, 0 to parties - 1 (unique per round).
   * @throws {BrokenBarrierError} If the barrier is or becomes broken.
   * @throws {TypeError} For an unknown option or a `timeout` that is not a number.
   */
  async wait(options?: AsyncWaitOptions): Promise<number> {
    checkAlive();
    const deadline = this.#deadline(options, false);
    return await runAsync(barrierWait(this.#view, deadline, this.#action), signalOf(options));
  }

  /**
   * Returns the barrier to its empty state; parties waiting now get
   * {@linkcode BrokenBarrierError}. Also forgets parties that died.
   */
  reset(): void {
    checkAlive();
    const view = this.#view;
    runSync(lock(view));
    try {
      deadParty(view);
      for (let e = 0; e < ENTRIES; e++) {
        const owner = view[TABLE + 2 * e];
        if (owner !== 0 && !slotAlive(owner - 1)) view[TABLE + 2 * e] = 0;
      }
      if (view[COUNT] > 0) {
        if (view[STATE] === FILLING || view[STATE] === BROKEN) setState(view, RESETTING);
      } else {
        setState(view, FILLING);
      }
    } finally {
      unlockWord(view, MUTEX);
    }
  }

  /** Breaks the barrier: every waiting and later `wait()` throws until `reset()`. */
  abort(): void {
    checkAlive();
    const view = this.#view;
    runSync(lock(view));
    setState(view, BROKEN);
    unlockWord(view, MUTEX);
  }

  /** How many parties must arrive. */
  get parties(): number {
    return this.#view[PARTIES];
  }

  /** How many parties wait now (Python's `n_waiting`). */
  get nWaiting(): number {
    checkAlive();
    const view = this.#view;
    return Atomics.load(view, STATE) === FILLING ? Atomics.load(view, COUNT) : 0;
  }

  /** Whether the barrier is broken. */
  get broken(): boolean {
    checkAlive();
    return Atomics.load(this.#view, STATE) === BROKEN;
  }

  /**
   * Shows how many wait, as Python's repr does.
   *
   * @returns `<Barrier(waiters=1/3)>` or `<Barrier(broken)>`.
   */
  toString(): string {
    return this.broken
      ? "<Barrier(broken)>"
      : `<Barrier(waiters=${this.nWaiting}/${this.parties})>`;
  }

  /**
   * Describes it for sending to another process (used by `Process` args).
   *
   * @returns The barrier's state, for the process it is sent to.
   * @throws {TypeError} If it has an action (a function cannot travel).
   */
  [shareSymbol](): SharedRef {
    if (this.#action) {
      throw new TypeError(
        "A Barrier with an 'action' cannot be sent to another process (a function cannot " +
          "travel): drop the action and let the party whose wait() returns 0 do the work",
      );
    }
    return {
      kind: "Barrier",
      module: import.meta.url,
      state: { buffer: this.#view.buffer, timeout: this.#timeout },
    };
  }
}

printAsString(Barrier);

registerShareable("Barrier", (state) => {
  const { buffer, timeout } = state as { buffer: SharedArrayBuffer; timeout?: number };
  const b = new Barrier(1);
  adopt(b, buffer, timeout);
  return b;
});
