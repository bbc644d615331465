/**
 * `RawArray` and `SharedArray`: a fixed-length array of numbers in a
 * `SharedArrayBuffer`, Python's `sharedctypes.RawArray` and `Array`, with
 * `arr[i]` through a Proxy.
 *
 * @module
 */

import { registerShareable, type SharedRef, shareSymbol } from "../shareable.ts";
import type { Lock, RLock } from "../lock/mutex.ts";
import {
  checkTypecode,
  convert,
  type ElementOf,
  type Elements,
  elementsOf,
  guarded,
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
import { describe } from "../wait/futex.ts";
import { indexed, unwrap } from "./indexed.ts";
import { printAsString } from "../inspect.ts";
import { checkAlive, enterCritical, leaveShared } from "../process/table.ts";

function proxied<A extends RawArray>(array: A): A {
  return indexed(array);
}

// The longest array: a typed array's length limit in every runtime.
const MAX_LENGTH = 2 ** 32 - 1;

let adoptRawArray: (a: RawArray, elements: Elements) => void;

/**
 * A fixed-length array of numbers in shared memory with no lock: Python's
 * `RawArray`. `arr[i]` (negative counts from the end), `get(i)`/`set(i, v)`,
 * `length`, iteration, `toArray()`, `slice()`.
 *
 * @example
 * ```ts
 * import { RawArray } from "@tsmp/multiprocessing";
 *
 * const a = new RawArray("i", [1, 2, 3]);
 * a[0] = 10;
 * console.log(a[-1], [...a]); // 3 [ 10, 2, 3 ]
 * ```
 */
export class RawArray<T extends Typecode = Typecode> {
  /** Element access: `arr[i]`, negative `i` counting from the end. */
  [index: number]: ElementOf<T>;
  #elements: Elements;
  #typecode: T;

  static {
    adoptRawArray = (a, elements) => {
      a.#elements = elements;
    };
  }

  /**
   * Makes an array in shared memory.
   *
   * @param typecode One of `b B h H i I l L q Q f d`.
   * @param sizeOrValues A length (zero-filled) or the initial elements.
   * @throws {TypeError} If `typecode` is unknown, the size not an integer,
   * or an element of the wrong type.
   * @throws {RangeError} If the size is negative.
   */
  constructor(typecode: T, sizeOrValues: number | Iterable<ElementOf<T>>) {
    this.#typecode = checkTypecode(typecode) as T;
    if (typeof sizeOrValues === "number") {
      if (!Number.isInteger(sizeOrValues)) {
        throw new TypeError(`'sizeOrValues' must be an integer size, got ${sizeOrValues}`);
      }
      if (sizeOrValues < 0) {
        throw new RangeError(`'sizeOrValues' must be a non-negative size, got ${sizeOrValues}`);
      }
      if (sizeOrValues > MAX_LENGTH) {
        throw new RangeError(
          `'sizeOrValues' must be a size of at most ${MAX_LENGTH} elements, got ${sizeOrValues}`,
        );
      }
      try {
        this.#elements = makeElements(typecode, sizeOrValues);
      } catch (error) {
        throw new RangeError(
          `'sizeOrValues' ${sizeOrValues} of '${typecode}' is more shared memory than can be had`,
          { cause: error },
        );
      }
    } else if (
      sizeOrValues !== null && typeof sizeOrValues === "object" && Symbol.iterator in sizeOrValues
    ) {
      const values = [...sizeOrValues].map((v) => convert(typecode, v));
      this.#elements = makeElements(typecode, values.length);
      for (let i = 0; i < values.length; i++) this.#elements[i] = values[i] as never;
    } else {
      throw new TypeError(
        `'sizeOrValues' must be a size or an iterable of elements, got ${describe(sizeOrValues)}`,
      );
    }
    // The most derived class makes the proxy, once its own fields exist.
    if (new.target === RawArray) return proxied(this);
  }

  #index(i: number): number {
    if (typeof i !== "number" || !Number.isInteger(i)) {
      throw new TypeError(`'index' must be an integer, got ${describe(i)}`);
    }
    const n = this.#elements.length;
    const at = i < 0 ? i + n : i;
    if (at < 0 || at >= n) throw new RangeError(`Index ${i} is out of range for length ${n}`);
    return at;
  }

  /** The typecode. */
  get typecode(): T {
    return this.#typecode;
  }

  /** The number of elements. */
  get length(): number {
    return this.#elements.length;
  }

  /**
   * Reads an element.
   *
   * @param index From 0, or negative from the end.
   * @returns The element.
   * @throws {RangeError} If out of range (Python's `IndexError`).
   */
  get(index: number): ElementOf<T> {
    checkAlive();
    return this.#elements[this.#index(index)] as ElementOf<T>;
  }

  /**
   * Writes an element.
   *
   * @param index From 0, or negative from the end.
   * @param value The new element; integers wrap as in ctypes.
   * @throws {RangeError} If out of range.
   * @throws {TypeError} If `value` is of the wrong type.
   */
  set(index: number, value: ElementOf<T>): void {
    const at = this.#index(index);
    const stored = convert(this.#typecode, value) as never;
    // Stored inside a critical section, not after a check (see RawValue).
    enterCritical();
    this.#elements[at] = stored;
    leaveShared();
  }

  /**
   * Copies the elements out.
   *
   * @returns A plain array.
   */
  toArray(): ElementOf<T>[] {
    checkAlive();
    return Array.from(this.#elements as unknown as ArrayLike<ElementOf<T>>);
  }

  /**
   * Copies a range out, as `Array.prototype.slice` (Python's `a[start:end]`).
   *
   * @param start First index. @default {0}
   * @param end Index after the last. @default {length}
   * @returns A plain array.
   */
  slice(start?: number, end?: number): ElementOf<T>[] {
    checkAlive();
    return this.toArray().slice(start, end);
  }

  /**
   * Iterates over a copy of the elements (`[...arr]`, `for ... of`).
   *
   * @returns An iterator over a copy of the elements.
   */
  [Symbol.iterator](): Iterator<ElementOf<T>> {
    return this.toArray()[Symbol.iterator]();
  }

  /**
   * Describes it for sending to another process (used by `Process` args).
   *
   * @returns The array's state, for the process it is sent to.
   */
  [shareSymbol](): SharedRef {
    return {
      kind: "RawArray",
      module: import.meta.url,
      state: stateOf(this.#elements, this.#typecode, undefined),
    };
  }

  /**
   * Shows it for debugging.
   *
   * @returns `RawArray('i', [1, 2, 3])`.
   */
  toString(): string {
    return `${this.constructor.name}('${this.#typecode}', [${this.toArray().join(", ")}])`;
  }
}

printAsString(RawArray);

let adoptArrayLock: (a: SharedArray, lock: Lock | RLock | undefined) => void;

/**
 * A fixed-length array of numbers in shared memory, with a lock: Python's
 * `multiprocessing.Array`. Each element access takes the lock (unless this
 * process already holds it); `toArray()` copies all elements under it once.
 *
 * @example
 * ```ts
 * import { SharedArray } from "@tsmp/multiprocessing";
 *
 * const squares = new SharedArray("i", 4);
 * squares.getLock().withLockSync(() => {
 *   for (let i = 0; i < squares.length; i++) squares[i] = i * i;
 * });
 * console.log(squares.toArray()); // [ 0, 1, 4, 9 ]
 * ```
 */
export class SharedArray<T extends Typecode = Typecode> extends RawArray<T> {
  #lock: Lock | RLock | undefined;

  static {
    adoptArrayLock = (a, lock) => {
      a.#lock = lock;
    };
  }

  /**
   * Makes an array in shared memory, with a lock.
   *
   * @param typecode One of `b B h H i I l L q Q f d`.
   * @param sizeOrValues A length (zero-filled) or the initial elements.
   * @param options The lock: a fresh RLock by default.
   * @throws {TypeError} If `typecode` is unknown, the size not an integer,
   * an element of the wrong type, or `lock` not a boolean, Lock or RLock.
   * @throws {RangeError} If the size is negative.
   */
  constructor(
    typecode: T,
    sizeOrValues: number | Iterable<ElementOf<T>>,
    options: SharedOptions = {},
  ) {
    const lock = lockOf(sharedOptions("new SharedArray", options).lock);
    super(typecode, sizeOrValues);
    this.#lock = lock;
    if (new.target === SharedArray) return proxied(this);
  }

  /**
   * Reads an element under the lock.
   *
   * @param index From 0, or negative from the end.
   * @returns The element.
   * @throws {RangeError} If out of range.
   */
  override get(index: number): ElementOf<T> {
    return guarded(this.#lock, () => super.get(index));
  }

  /**
   * Writes an element under the lock.
   *
   * @param index From 0, or negative from the end.
   * @param value The new element.
   * @throws {RangeError} If out of range.
   * @throws {TypeError} If `value` is of the wrong type.
   */
  override set(index: number, value: ElementOf<T>): void {
    guarded(this.#lock, () => super.set(index, value));
  }

  /**
   * Copies the elements out under the lock.
   *
   * @returns A plain array.
   */
  override toArray(): ElementOf<T>[] {
    return guarded(this.#lock, () => super.toArray());
  }

  /**
   * The lock guarding the elements (Python's `get_lock()`).
   *
   * @returns The Lock or RLock.
   * @throws {TypeError} If made with `lock: false`.
   */
  getLock(): Lock | RLock {
    if (!this.#lock) throw noLock("SharedArray");
    return this.#lock;
  }

  /**
   * Describes it for sending to another process (used by `Process` args).
   *
   * @returns The array's state, for the process it is sent to.
   */
  override [shareSymbol](): SharedRef {
    const raw = super[shareSymbol]().state as State;
    return {
      kind: "SharedArray",
      module: import.meta.url,
      state: { ...raw, lock: this.#lock ? this.#lock[shareSymbol]() : null },
    };
  }
}

registerShareable("RawArray", (s) => {
  const a = new RawArray((s as State).typecode, 0);
  adoptRawArray(unwrap(a), elementsOf(s as State));
  return a;
});
registerShareable("SharedArray", (s) => {
  const a = new SharedArray((s as State).typecode, 0, { lock: false });
  adoptRawArray(unwrap(a), elementsOf(s as State));
  adoptArrayLock(unwrap(a), lockFrom(s as State));
  return a;
});
