/**
 * `RawValue` and `Value`: one number in a `SharedArrayBuffer`, Python's
 * `sharedctypes.RawValue` and `Value`.
 *
 * @module
 */

import { registerShareable, type SharedRef, shareSymbol } from "../shareable.ts";
import { isMine } from "../lock/core.ts";
import type { Lock, RLock } from "../lock/mutex.ts";
import {
  checkTypecode,
  convert,
  coreOf,
  type ElementOf,
  type Elements,
  elementsOf,
  lockFrom,
  lockOf,
  makeElements,
  noLock,
  type SharedOptions,
  sharedOptions,
  type State,
  stateOf,
  type Typecode,
} from "./typecodes.ts";
import { printAsString } from "../inspect.ts";
import { checkAlive, enterCritical, leaveShared } from "../process/table.ts";

let adoptRawValue: (v: RawValue, elements: Elements) => void;
let cellOf: (v: RawValue) => Elements;

/**
 * One number in shared memory with no lock: Python's `RawValue`. Reads and
 * writes are plain (not atomic); guard read-modify-writes with a lock.
 *
 * @example
 * ```ts
 * import { RawValue } from "@tsmp/multiprocessing";
 *
 * const total = new RawValue("d", 1.5);
 * total.value *= 2;
 * console.log(total.value); // 3
 * ```
 */
export class RawValue<T extends Typecode = Typecode> {
  #elements: Elements;
  #typecode: T;

  static {
    adoptRawValue = (v, elements) => {
      v.#elements = elements;
    };
    cellOf = (v) => v.#elements;
  }

  /**
   * Makes a value in shared memory.
   *
   * @param typecode One of `b B h H i I l L q Q f d`.
   * @param value The initial value. @default {0}
   * @throws {TypeError} If `typecode` is unknown or `value` of the wrong type.
   */
  constructor(typecode: T, value?: ElementOf<T>) {
    this.#typecode = checkTypecode(typecode) as T;
    this.#elements = makeElements(typecode, 1);
    if (value !== undefined) this.#elements[0] = convert(typecode, value) as never;
  }

  /** The typecode. */
  get typecode(): T {
    return this.#typecode;
  }

  /** The value. */
  get value(): ElementOf<T> {
    checkAlive();
    return this.#elements[0] as ElementOf<T>;
  }

  set value(value: ElementOf<T>) {
    const stored = convert(this.#typecode, value) as never;
    // Not a check then a store: a process declared ended in between must
    // not store after its end is published (see `enterCritical`).
    enterCritical();
    this.#elements[0] = stored;
    leaveShared();
  }

  /**
   * Describes it for sending to another process (used by `Process` args).
   *
   * @returns The value's state, for the process it is sent to.
   */
  [shareSymbol](): SharedRef {
    return {
      kind: "RawValue",
      module: import.meta.url,
      state: stateOf(this.#elements, this.#typecode, undefined),
    };
  }

  /**
   * Shows it for debugging.
   *
   * @returns `RawValue('i', 3)`.
   */
  toString(): string {
    return `${this.constructor.name}('${this.#typecode}', ${this.value})`;
  }
}

printAsString(RawValue);

let adoptLock: (v: Value, lock: Lock | RLock | undefined) => void;

/**
 * One number in shared memory, with a lock: Python's `Value`. Each read or
 * write of `.value` takes the lock (unless this process already holds it,
 * so `v.getLock().withLockSync(() => v.value += 1)` is how to add one
 * without racing: `v.value += 1` alone is a read and a write).
 *
 * @example
 * ```ts
 * import { Value } from "@tsmp/multiprocessing";
 *
 * const hits = new Value("i", 0);
 * hits.getLock().withLockSync(() => hits.value += 1);
 * console.log(hits.value); // 1
 * ```
 */
export class Value<T extends Typecode = Typecode> extends RawValue<T> {
  #lock: Lock | RLock | undefined;
  // The lock's mutex word and the value's element, kept here so that an
  // access is a load of the word and a load of the element.
  #word: Int32Array | undefined;
  #wordIndex = 0;
  #cell: Elements;

  static {
    adoptLock = (v, lock) => {
      v.#lock = lock;
      v.#cell = cellOf(v);
      if (lock) [v.#word, v.#wordIndex] = coreOf(lock);
    };
  }

  /**
   * Makes a value in shared memory, with a lock.
   *
   * @param typecode One of `b B h H i I l L q Q f d`.
   * @param value The initial value. @default {0}
   * @param options The lock: a fresh RLock by default.
   * @throws {TypeError} If `typecode` is unknown, `value` of the wrong type,
   * or `lock` not a boolean, Lock or RLock.
   */
  constructor(typecode: T, value?: ElementOf<T>, options: SharedOptions = {}) {
    super(typecode, value);
    this.#cell = cellOf(this);
    adoptLock(this, lockOf(sharedOptions("new Value", options).lock));
  }

  /** Whether this process must take the lock around an access. */
  #mustLock(): boolean {
    const word = this.#word;
    return word !== undefined && !isMine(word, this.#wordIndex);
  }

  /** The value, read or written under the lock (unless this process holds it). */
  override get value(): ElementOf<T> {
    checkAlive();
    if (!this.#mustLock()) return this.#cell[0] as ElementOf<T>;
    const lock = this.#lock!;
    lock.acquireSync();
    try {
      return this.#cell[0] as ElementOf<T>;
    } finally {
      lock.release();
    }
  }

  override set value(value: ElementOf<T>) {
    checkAlive();
    const stored = convert(this.typecode, value) as never;
    if (!this.#mustLock()) {
      enterCritical();
      this.#cell[0] = stored;
      leaveShared();
      return;
    }
    const lock = this.#lock!;
    lock.acquireSync();
    try {
      enterCritical();
      this.#cell[0] = stored;
      leaveShared();
    } finally {
      lock.release();
    }
  }

  /**
   * The lock guarding the value (Python's `get_lock()`).
   *
   * @returns The Lock or RLock.
   * @throws {TypeError} If made with `lock: false`.
   */
  getLock(): Lock | RLock {
    if (!this.#lock) throw noLock("Value");
    return this.#lock;
  }

  /**
   * Describes it for sending to another process (used by `Process` args).
   *
   * @returns The value's state, for the process it is sent to.
   */
  override [shareSymbol](): SharedRef {
    const raw = super[shareSymbol]().state as State;
    return {
      kind: "Value",
      module: import.meta.url,
      state: { ...raw, lock: this.#lock ? this.#lock[shareSymbol]() : null },
    };
  }
}

registerShareable("RawValue", (s) => {
  const v = new RawValue((s as State).typecode);
  adoptRawValue(v, elementsOf(s as State));
  return v;
});
registerShareable("Value", (s) => {
  const v = new Value((s as State).typecode, undefined, { lock: false });
  adoptRawValue(v, elementsOf(s as State));
  adoptLock(v, lockFrom(s as State));
  return v;
});
