/**
 * `Condition` and `Event`. A Condition keeps, in one word, how many
 * processes wait on it and how many wake-ups `notify` has granted them; a
 * waiter sleeps on that word and leaves only by taking a grant (or at its
 * timeout), so `notify(n)` wakes exactly `n` waiters and no wake-up is lost.
 *
 * @module
 */

import { registerShareable, reviveShared, type SharedRef, shareSymbol } from "../shareable.ts";
import {
  type AcquireOptions,
  type AsyncAcquireOptions,
  type AsyncWaitOptions,
  coreOf,
  isMine,
  lockWord,
  type MutexCore,
  signalOf,
  spinTake,
  tryTake,
  unlockWord,
  waitDeadline,
  type WaitOptions,
} from "./core.ts";
import { type Blocking, runAsync, runSync } from "../wait/driver.ts";
import { LockLike } from "./guard.ts";
import { Lock, type RLock } from "./mutex.ts";
import { describe, remaining } from "../wait/futex.ts";
import { printAsString } from "../inspect.ts";
import { checkAlive } from "../process/table.ts";

// Layout of a Condition's buffer (Int32 words).
/** (waiters << 16) | grants: registered waiters, and notifies not yet taken by one. */
const STATE = 0;
const ONE_WAITER = 1 << 16;
const GRANTS_MASK = 0xffff;
/** Most processes or tasks that may wait on one Condition at once. */
const MAX_WAITERS = 0x7fff;

function waiters(state: number): number {
  return state >>> 16;
}

function grants(state: number): number {
  return state & GRANTS_MASK;
}

/** Frees `core` entirely (all RLock levels); returns the levels to restore. */
function releaseAll(core: MutexCore): number {
  const { view, index, countIndex } = core;
  const saved = countIndex < 0 ? 1 : view[countIndex];
  if (countIndex >= 0) view[countIndex] = 0;
  unlockWord(view, index);
  return saved;
}

/** Retakes `core` after a wait, whatever the timeout, as Python does. */
function* relock(core: MutexCore, saved: number): Blocking<void> {
  const { view, index, countIndex, kind } = core;
  if (!tryTake(view, index) && !spinTake(view, index)) {
    yield* lockWord(view, index, Infinity, kind);
  }
  if (countIndex >= 0) view[countIndex] = saved;
}

function* condWait(view: Int32Array, core: MutexCore, deadline: number): Blocking<boolean> {
  // Register while still holding the lock: a notifier (who must hold it)
  // then always counts us.
  if (waiters(Atomics.add(view, STATE, ONE_WAITER)) >= MAX_WAITERS) {
    Atomics.sub(view, STATE, ONE_WAITER);
    throw new RangeError(`A Condition cannot have more than ${MAX_WAITERS} waiters`);
  }
  const saved = releaseAll(core);
  let notified = false;
  try {
    for (;;) {
      const s = Atomics.load(view, STATE);
      if (grants(s) > 0) {
        // Take a grant and leave the waiters in one step, so waiters never
        // count fewer than grants.
        if (Atomics.compareExchange(view, STATE, s, s - ONE_WAITER - 1) === s) {
          notified = true;
          break;
        }
        continue;
      }
      if (performance.now() >= deadline) break;
      yield { view, index: STATE, expected: s, deadline };
    }
  } finally {
    if (!notified) {
      // Timed out or aborted: leave, and if every remaining grant would now
      // be one too many, the one meant for us goes with us.
      for (;;) {
        const s = Atomics.load(view, STATE);
        const take = grants(s) >= waiters(s) ? 1 : 0;
        if (Atomics.compareExchange(view, STATE, s, s - ONE_WAITER - take) === s) {
          notified = take === 1;
          break;
        }
      }
    }
    yield* relock(core, saved);
  }
  return notified;
}

function checkPredicate(predicate: unknown): void {
  if (typeof predicate !== "function") {
    throw new TypeError(`'predicate' must be a function, got ${describe(predicate)}`);
  }
}

let adoptCondition: (c: Condition, buffer: SharedArrayBuffer, lock: Lock | RLock) => void;

/**
 * A condition variable shared by processes: Python's
 * `multiprocessing.Condition`. Wait for a change another process makes
 * under the same lock; `notify(n)` wakes `n` waiters, `notifyAll()` all.
 * It is also a lock itself: `acquire`, `release`, `withLock`, `guard`
 * act on its lock.
 *
 * @example A consumer waits for an item
 * ```ts
 * import { Condition, RawValue } from "@tsmp/multiprocessing";
 *
 * const cond = new Condition();
 * const items = new RawValue("i", 0);
 * setTimeout(() => cond.withLockSync(() => { items.value += 1; cond.notify(); }), 10);
 * await cond.withLock(() => cond.waitFor(() => items.value > 0, { timeout: 1000 }));
 * console.log(items.value); // 1
 * ```
 */
export class Condition extends LockLike {
  #view: Int32Array;
  #lock: Lock | RLock;
  #core: MutexCore;

  static {
    adoptCondition = (c, buffer, lock) => {
      c.#view = new Int32Array(buffer);
      c.#lock = lock;
      c.#core = coreOf(lock)!;
    };
  }

  /**
   * Makes a condition over `lock`.
   *
   * @param lock The lock to use. @default {new Lock()} (Python's default is
   * an RLock; but an RLock's owner is a process, so async tasks of one
   * process would all hold it at once: pass an RLock to re-enter.)
   * @throws {TypeError} If `lock` is not a Lock or an RLock.
   */
  constructor(lock?: Lock | RLock) {
    super("Condition");
    if (lock !== undefined && !coreOf(lock)) {
      throw new TypeError(`'lock' must be a Lock or an RLock, got ${describe(lock)}`);
    }
    this.#lock = lock ?? new Lock();
    this.#core = coreOf(this.#lock)!;
    this.#view = new Int32Array(new SharedArrayBuffer(4));
  }

  #checkHeld(what: string): void {
    if (!isMine(this.#core.view, this.#core.index)) {
      throw new RangeError(`Cannot ${what} a Condition whose lock this process does not hold`);
    }
  }

  /**
   * Releases the lock, blocks the thread until notified or timed out, and
   * takes the lock again (always, as Python does).
   *
   * @param options `timeout` in ms.
   * @returns false if it timed out, true if notified.
   * @throws {RangeError} If this process does not hold the lock.
   * @throws {AbandonedLockError} If the lock's holder ended holding it while
   * we waited to take it back.
   */
  waitSync(options?: WaitOptions): boolean {
    const deadline = waitDeadline(options, "Condition.waitSync", true);
    this.#checkHeld("wait on");
    return runSync(condWait(this.#view, this.#core, deadline));
  }

  /**
   * Releases the lock, waits until notified or timed out, and takes the
   * lock again (also when aborted, before rejecting).
   *
   * @param options `timeout` in ms, an abort `signal`.
   * @returns false if it timed out, true if notified.
   * @throws {RangeError} If this process does not hold the lock.
   */
  async wait(options?: AsyncWaitOptions): Promise<boolean> {
    const deadline = waitDeadline(options, "Condition.wait", false);
    const signal = signalOf(options);
    this.#checkHeld("wait on");
    return await runAsync(condWait(this.#view, this.#core, deadline), signal);
  }

  /**
   * Waits until `predicate()` is truthy, checking it first and after each
   * wake-up (Python's `wait_for`).
   *
   * @param predicate Read under the lock.
   * @param options `timeout` in ms for the whole wait.
   * @returns The predicate's last value.
   * @throws {RangeError} If this process does not hold the lock.
   */
  waitForSync<T>(predicate: () => T, options?: WaitOptions): T {
    checkPredicate(predicate);
    const deadline = waitDeadline(options, "Condition.waitForSync", true);
    this.#checkHeld("wait on");
    let result = predicate();
    while (!result) {
      const left = remaining(deadline);
      if (left <= 0) break;
      this.waitSync(left === Infinity ? undefined : { timeout: left });
      result = predicate();
    }
    return result;
  }

  /**
   * Waits until `predicate()` is truthy, checking it first and after each
   * wake-up, without blocking the thread.
   *
   * @param predicate Read under the lock; may be async.
   * @param options `timeout` in ms for the whole wait, an abort `signal`.
   * @returns The predicate's last value.
   * @throws {RangeError} If this process does not hold the lock.
   */
  async waitFor<T>(predicate: () => T | Promise<T>, options?: AsyncWaitOptions): Promise<T> {
    checkPredicate(predicate);
    const deadline = waitDeadline(options, "Condition.waitFor", false);
    const signal = signalOf(options);
    this.#checkHeld("wait on");
    let result = await predicate();
    while (!result) {
      const left = remaining(deadline);
      if (left <= 0) break;
      await this.wait({ timeout: left === Infinity ? undefined : left, signal });
      result = await predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` of the processes (or tasks) waiting.
   *
   * @param n How many to wake. @default {1}
   * @throws {RangeError} If this process does not hold the lock, or `n` is
   * negative.
   * @throws {TypeError} If `n` is not an integer.
   */
  notify(n = 1): void {
    checkAlive();
    if (n !== Infinity && (typeof n !== "number" || !Number.isInteger(n))) {
      throw new TypeError(`'n' must be an integer, got ${describe(n)}`);
    }
    if (n < 0) throw new RangeError(`'n' must be a non-negative integer, got ${n}`);
    this.#checkHeld("notify");
    const view = this.#view;
    for (;;) {
      const s = Atomics.load(view, STATE);
      const k = Math.min(n, waiters(s) - grants(s));
      if (k <= 0) return;
      if (Atomics.compareExchange(view, STATE, s, s + k) === s) {
        Atomics.notify(view, STATE, k);
        return;
      }
    }
  }

  /**
   * Wakes every process (or task) waiting.
   *
   * @throws {RangeError} If this process does not hold the lock.
   */
  notifyAll(): void {
    checkAlive();
    this.notify(Infinity);
  }

  /**
   * Takes the condition's lock (see `Lock.acquireSync`).
   *
   * @param options `timeout` in ms; `block: false` tries once.
   * @returns true once held; false after the timeout.
   */
  acquireSync(options?: AcquireOptions): boolean {
    return this.#lock.acquireSync(options);
  }

  /**
   * Takes the condition's lock without blocking the thread.
   *
   * @param options `timeout` in ms, `block: false`, an abort `signal`.
   * @returns true once held; false after the timeout.
   */
  acquire(options?: AsyncAcquireOptions): Promise<boolean> {
    return this.#lock.acquire(options);
  }

  /**
   * Releases the condition's lock.
   *
   * @throws {RangeError} If it is not held.
   */
  release(): void {
    this.#lock.release();
  }

  /**
   * Shows its lock and how many wait, as Python's repr does.
   *
   * @returns `<Condition(<Lock(owner=None)>, 0)>`.
   */
  override toString(): string {
    return `<Condition(${this.#lock}, ${waiters(Atomics.load(this.#view, STATE))})>`;
  }

  /**
   * Describes the condition for sending to another process.
   *
   * @returns Its kind, module, buffer and lock.
   */
  [shareSymbol](): SharedRef {
    return {
      kind: "Condition",
      module: import.meta.url,
      state: { buffer: this.#view.buffer, lock: this.#lock[shareSymbol]() },
    };
  }
}

printAsString(Condition);

registerShareable("Condition", (state) => {
  const { buffer, lock } = state as { buffer: SharedArrayBuffer; lock: SharedRef };
  const c = new Condition(new Lock());
  adoptCondition(c, buffer, reviveShared(lock) as Lock | RLock);
  return c;
});
