/**
 * `Lock` and `RLock`: futex mutexes in a `SharedArrayBuffer` whose word holds
 * the owner (`slot + 1` in the process table) and a waiters bit, so the
 * uncontended path is one compare-and-swap to take and one exchange to
 * release, and a waiter can tell that the owner has died.
 *
 * @module
 */

import { registerShareable, type SharedRef, shareSymbol } from "../shareable.ts";
import { checkAlive, slotName } from "../process/table.ts";
import {
  acquireDeadline,
  type AcquireOptions,
  type AsyncAcquireOptions,
  isMine,
  lockWord,
  lockWordSync,
  ownerId,
  ownerOf,
  setCore,
  signalOf,
  spinTake,
  tryTake,
  unlockWord,
} from "./core.ts";
import { runAsync } from "../wait/driver.ts";
import { LockLike } from "./guard.ts";
import { printAsString } from "../inspect.ts";

// Layout of a Lock's buffer (Int32 words).
/** The mutex word (its bits are core.ts's business). */
const WORD = 0;
/** RLock only: how many times the owner holds it (written by the owner only). */
const COUNT = 1;

let reviveLock: (buffer: SharedArrayBuffer) => Lock;

/**
 * A lock shared by processes: Python's `multiprocessing.Lock`. Not
 * re-entrant; any process may release it (as in Python). It records its
 * owner, so when the owning process ends without releasing it, the next
 * acquirer that would otherwise wait gets {@linkcode AbandonedLockError}
 * (within ~50 ms) and the lock is free again.
 *
 * Owners are processes: async tasks of one process that contend for a lock
 * wait for each other with {@linkcode Lock.prototype.acquire}, but a task
 * calling `acquireSync()` on a lock its own process holds would block its
 * thread for good (pass a timeout).
 *
 * @example A counter three processes add to
 * ```ts
 * import { Lock, Process, RawValue } from "@tsmp/multiprocessing";
 *
 * export function work(lock: Lock, counter: RawValue<"i">) {
 *   for (let i = 0; i < 100_000; i++) lock.withLockSync(() => counter.value += 1);
 * }
 *
 * if (import.meta.main) {
 *   const lock = new Lock();
 *   const counter = new RawValue("i", 0);
 *   const ps = [0, 1, 2].map(() => new Process({ target: work, args: [lock, counter] }));
 *   for (const p of ps) p.start();
 *   for (const p of ps) await p.join();
 *   console.log(counter.value); // 300000
 * }
 * ```
 */
export class Lock extends LockLike {
  #view: Int32Array;

  static {
    reviveLock = (buffer) => {
      const lock = new Lock();
      lock.#adopt(buffer);
      return lock;
    };
  }

  /** Makes an unlocked lock. */
  constructor() {
    super("Lock");
    this.#view = this.#adopt(new SharedArrayBuffer(4));
  }

  #adopt(buffer: SharedArrayBuffer): Int32Array {
    this.#view = new Int32Array(buffer);
    setCore(this, { view: this.#view, index: WORD, countIndex: -1, kind: "Lock" });
    return this.#view;
  }

  /**
   * Takes the lock, blocking the thread until it is free (`Atomics.wait`).
   *
   * @param options `timeout` in ms; `block: false` tries once.
   * @returns true once held; false after the timeout or when `block` is false.
   * @throws {AbandonedLockError} If its holder ended without releasing it
   * (the lock is then free; retry to take it).
   * @throws {TypeError} For an unknown or malformed option.
   */
  acquireSync(options?: AcquireOptions): boolean {
    const deadline = options === undefined
      ? Infinity
      : acquireDeadline(options, "Lock.acquireSync", true);
    const view = this.#view;
    if (tryTake(view, WORD)) return true;
    if (deadline >= 0 && spinTake(view, WORD)) return true;
    return lockWordSync(view, WORD, deadline, "Lock");
  }

  /**
   * Takes the lock without blocking the thread.
   *
   * @param options `timeout` in ms, `block: false`, an abort `signal`.
   * @returns true once held; false after the timeout or when `block` is false.
   * @throws {AbandonedLockError} If its holder ended without releasing it.
   * @throws {TypeError} For an unknown or malformed option.
   */
  acquire(options?: AsyncAcquireOptions): Promise<boolean> {
    try {
      const deadline = options === undefined
        ? Infinity
        : acquireDeadline(options, "Lock.acquire", false);
      const signal = signalOf(options);
      const view = this.#view;
      if (
        tryTake(view, WORD) ||
        (deadline >= 0 && spinTake(view, WORD))
      ) {
        return Promise.resolve(true);
      }
      return runAsync(lockWord(view, WORD, deadline, "Lock"), signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Releases the lock and wakes one waiter.
   *
   * @throws {RangeError} If the lock is not held (Python's `ValueError`).
   */
  release(): void {
    if (unlockWord(this.#view, WORD) === 0) {
      throw new RangeError("Cannot release a Lock that is not held");
    }
  }

  /**
   * Whether some process holds the lock.
   *
   * @returns true while held.
   */
  locked(): boolean {
    checkAlive();
    return Atomics.load(this.#view, WORD) !== 0;
  }

  /**
   * Describes the lock for sending to another process (used by `Process` args).
   *
   * @returns Its kind, module and shared buffer.
   */
  [shareSymbol](): SharedRef {
    return { kind: "Lock", module: import.meta.url, state: { buffer: this.#view.buffer } };
  }

  /**
   * Shows the owner, as Python's repr does.
   *
   * @returns `<Lock(owner=MainProcess)>` (the holder's process name) or `<Lock(owner=None)>`.
   */
  override toString(): string {
    const word = Atomics.load(this.#view, WORD);
    return `<Lock(owner=${word === 0 ? "None" : slotName(ownerOf(word) - 1)})>`;
  }
}

printAsString(Lock);

let reviveRLock: (buffer: SharedArrayBuffer) => RLock;

/**
 * A re-entrant lock shared by processes: Python's `multiprocessing.RLock`.
 * Its owner is a process (not an async task: tasks of one process share
 * it) and may take it again; it is free once released as many times as it
 * was taken. Release by another process throws. Like {@linkcode Lock}, an
 * owner that ends holding it leaves the next waiter an
 * {@linkcode AbandonedLockError}.
 *
 * @example Re-entering
 * ```ts
 * import { RLock } from "@tsmp/multiprocessing";
 *
 * const lock = new RLock();
 * lock.withLockSync(() => lock.withLockSync(() => console.log("twice held")));
 * console.log(lock.locked()); // false
 * ```
 */
export class RLock extends LockLike {
  #view: Int32Array;

  static {
    reviveRLock = (buffer) => {
      const lock = new RLock();
      lock.#adopt(buffer);
      return lock;
    };
  }

  /** Makes an unlocked re-entrant lock. */
  constructor() {
    super("RLock");
    this.#view = this.#adopt(new SharedArrayBuffer(8));
  }

  #adopt(buffer: SharedArrayBuffer): Int32Array {
    this.#view = new Int32Array(buffer);
    setCore(this, { view: this.#view, index: WORD, countIndex: COUNT, kind: "RLock" });
    return this.#view;
  }

  /**
   * Takes the lock (again, if this process holds it), blocking the thread.
   *
   * @param options `timeout` in ms; `block: false` tries once.
   * @returns true once held; false after the timeout or when `block` is false.
   * @throws {AbandonedLockError} If its holder ended without releasing it.
   * @throws {TypeError} For an unknown or malformed option.
   */
  acquireSync(options?: AcquireOptions): boolean {
    const deadline = options === undefined
      ? Infinity
      : acquireDeadline(options, "RLock.acquireSync", true);
    const view = this.#view;
    if (isMine(view, WORD)) {
      view[COUNT]++;
      return true;
    }
    if (
      tryTake(view, WORD) ||
      (deadline >= 0 && spinTake(view, WORD)) ||
      lockWordSync(view, WORD, deadline, "RLock")
    ) {
      view[COUNT] = 1;
      return true;
    }
    return false;
  }

  /**
   * Takes the lock (again, if this process holds it) without blocking.
   *
   * @param options `timeout` in ms, `block: false`, an abort `signal`.
   * @returns true once held; false after the timeout or when `block` is false.
   * @throws {AbandonedLockError} If its holder ended without releasing it.
   * @throws {TypeError} For an unknown or malformed option.
   */
  async acquire(options?: AsyncAcquireOptions): Promise<boolean> {
    const deadline = options === undefined
      ? Infinity
      : acquireDeadline(options, "RLock.acquire", false);
    const signal = signalOf(options);
    const view = this.#view;
    if (isMine(view, WORD)) {
      view[COUNT]++;
      return true;
    }
    if (
      tryTake(view, WORD) ||
      (deadline >= 0 && spinTake(view, WORD)) ||
      await runAsync(lockWord(view, WORD, deadline, "RLock"), signal)
    ) {
      view[COUNT] = 1;
      return true;
    }
    return false;
  }

  /**
   * Releases one level; the last one frees the lock and wakes a waiter.
   *
   * @throws {RangeError} If this process does not hold the lock.
   */
  release(): void {
    const view = this.#view;
    const word = Atomics.load(view, WORD);
    if (ownerOf(word) !== ownerId()) {
      throw new RangeError(
        word === 0
          ? "Cannot release an RLock that is not held"
          : "Cannot release an RLock held by another process",
      );
    }
    if (--view[COUNT] === 0) unlockWord(view, WORD);
  }

  /**
   * Whether some process holds the lock.
   *
   * @returns true while held.
   */
  locked(): boolean {
    checkAlive();
    return Atomics.load(this.#view, WORD) !== 0;
  }

  /**
   * Describes the lock for sending to another process (used by `Process` args).
   *
   * @returns Its kind, module and shared buffer.
   */
  [shareSymbol](): SharedRef {
    return { kind: "RLock", module: import.meta.url, state: { buffer: this.#view.buffer } };
  }

  /**
   * Shows the owner and its count, as Python's repr does.
   *
   * @returns `<RLock(MainProcess, 3)>` (the holder's process name) or `<RLock(None, 0)>`.
   */
  override toString(): string {
    const word = Atomics.load(this.#view, WORD);
    return word === 0
      ? "<RLock(None, 0)>"
      : `<RLock(${slotName(ownerOf(word) - 1)}, ${this.#view[COUNT]})>`;
  }
}

printAsString(RLock);

function reviver<T>(revive: (buffer: SharedArrayBuffer) => T) {
  return (state: unknown): T => revive((state as { buffer: SharedArrayBuffer }).buffer);
}

registerShareable("Lock", reviver((b) => reviveLock(b)));
registerShareable("RLock", reviver((b) => reviveRLock(b)));
