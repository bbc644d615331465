/**
 * Shared values and arrays, Python's `multiprocessing.sharedctypes`:
 * {@linkcode Value} and {@linkcode SharedArray} (Python's `Array`, renamed so
 * as not to shadow the global) guard every access with a lock (a fresh
 * `RLock` unless told otherwise); {@linkcode RawValue} and
 * {@linkcode RawArray} have none. They live in a `SharedArrayBuffer`, so
 * every process they are passed to sees the same memory.
 *
 * Typecodes are Python's: `b B h H i I` (8-, 16- and 32-bit integers,
 * `number`), `l L q Q` (64-bit integers, `bigint`; `l`/`L` are 64-bit as on
 * Linux), `f d` (32- and 64-bit floats). Integers wrap on overflow as
 * ctypes does; a value of the wrong type is a `TypeError`.
 *
 * @example A counter under its own lock
 * ```ts
 * import { Process, Value } from "@tsmp/multiprocessing";
 *
 * export function add(counter: Value<"i">) {
 *   for (let i = 0; i < 1000; i++) counter.getLock().withLockSync(() => counter.value += 1);
 * }
 *
 * if (import.meta.main) {
 *   const counter = new Value("i", 0);
 *   const ps = [0, 1].map(() => new Process({ target: add, args: [counter] }));
 *   for (const p of ps) p.start();
 *   for (const p of ps) await p.join();
 *   console.log(counter.value); // 2000
 * }
 * ```
 *
 * @module
 */

import { registerShareable, type SharedRef, shareSymbol } from "./_share.ts";
import { coreOf as mutexOf, heldHere, ownerId, reviveNested } from "./_lockcore.ts";
import { type Lock, RLock } from "./_mutex.ts";
import { describe } from "./_wait.ts";

/** Python's typecodes for shared values and arrays. */
export type Typecode = "b" | "B" | "h" | "H" | "i" | "I" | "l" | "L" | "q" | "Q" | "f" | "d";

/** The typecodes whose elements are `bigint` (64-bit integers). */
export type BigTypecode = "l" | "L" | "q" | "Q";

/** The JavaScript type of an element of typecode `T`. */
export type ElementOf<T extends Typecode> = T extends BigTypecode ? bigint : number;

type Elements =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

type ElementsConstructor = { new (buffer: SharedArrayBuffer): Elements; BYTES_PER_ELEMENT: number };

const TYPES: Record<Typecode, ElementsConstructor> = {
  b: Int8Array,
  B: Uint8Array,
  h: Int16Array,
  H: Uint16Array,
  i: Int32Array,
  I: Uint32Array,
  l: BigInt64Array,
  L: BigUint64Array,
  q: BigInt64Array,
  Q: BigUint64Array,
  f: Float32Array,
  d: Float64Array,
};

/** Options for {@linkcode Value} and {@linkcode SharedArray}. */
export interface SharedOptions {
  /**
   * `true` for a fresh `RLock`, `false` for none (then `getLock()` throws),
   * or the `Lock` or `RLock` to use.
   * @default {true}
   */
  lock?: boolean | Lock | RLock;
}

function checkTypecode(typecode: unknown): Typecode {
  if (typeof typecode !== "string" || !Object.hasOwn(TYPES, typecode)) {
    throw new TypeError(
      `'typecode' must be one of ${Object.keys(TYPES).join(" ")}, got ${describe(typecode)}`,
    );
  }
  return typecode as Typecode;
}

/** Checks `value` against typecode `t`; returns what to store. */
function convert(t: Typecode, value: unknown): number | bigint {
  if (t === "f" || t === "d") {
    if (typeof value === "number") return value;
    throw new TypeError(`A '${t}' element must be a number, got ${describe(value)}`);
  }
  if (t === "l" || t === "L" || t === "q" || t === "Q") {
    if (typeof value === "bigint") return value;
    if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
    throw new TypeError(`A '${t}' element must be a bigint or an integer, got ${describe(value)}`);
  }
  if (typeof value === "number" && Number.isInteger(value)) return value;
  throw new TypeError(`A '${t}' element must be an integer, got ${describe(value)}`);
}

function makeElements(t: Typecode, length: number): Elements {
  const Type = TYPES[t];
  return new Type(new SharedArrayBuffer(length * Type.BYTES_PER_ELEMENT));
}

function lockOf(option: unknown): Lock | RLock | undefined {
  if (option === undefined || option === true) return new RLock();
  if (option === false) return undefined;
  if (mutexOf(option)) return option as Lock | RLock;
  throw new TypeError(`'lock' must be a boolean, a Lock or an RLock, got ${describe(option)}`);
}

function optionsOf(options: unknown): SharedOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`'options' must be an object, got ${describe(options)}`);
  }
  return options as SharedOptions;
}

/** Runs `fn` under `lock`, unless this process already holds it (no self-deadlock). */
function guarded<R>(lock: Lock | RLock | undefined, fn: () => R): R {
  if (lock === undefined) return fn();
  const [view, index] = coreOf(lock);
  if (heldHere(view, index)) return fn();
  lock.acquireSync();
  try {
    return fn();
  } finally {
    lock.release();
  }
}

// A lock's mutex word, cached per lock as a pair.
const cores = new WeakMap<object, [Int32Array, number]>();

function coreOf(lock: Lock | RLock): [Int32Array, number] {
  let core = cores.get(lock);
  if (!core) {
    const { view, index } = mutexOf(lock)!;
    cores.set(lock, core = [view, index]);
  }
  return core;
}

function noLock(kind: string): TypeError {
  return new TypeError(`This ${kind} was made with 'lock: false' and has no lock`);
}

interface State {
  buffer: SharedArrayBuffer;
  typecode: Typecode;
  lock: SharedRef | null;
}

function stateOf(elements: Elements, typecode: Typecode, lock: Lock | RLock | undefined): State {
  return {
    buffer: elements.buffer as SharedArrayBuffer,
    typecode,
    lock: lock ? lock[shareSymbol]() : null,
  };
}

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
    return this.#elements[0] as ElementOf<T>;
  }

  set value(value: ElementOf<T>) {
    this.#elements[0] = convert(this.#typecode, value) as never;
  }

  /**
   * Describes it for sending to another process (used by `Process` args).
   *
   * @returns The value's state for `_share.ts`.
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
    adoptLock(this, lockOf(optionsOf(options).lock));
  }

  /** Whether this process must take the lock around an access. */
  #mustLock(): boolean {
    const word = this.#word;
    return word !== undefined && Atomics.load(word, this.#wordIndex) >>> 1 !== ownerId();
  }

  /** The value, read or written under the lock (unless this process holds it). */
  override get value(): ElementOf<T> {
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
    const stored = convert(this.typecode, value) as never;
    if (!this.#mustLock()) {
      this.#cell[0] = stored;
      return;
    }
    const lock = this.#lock!;
    lock.acquireSync();
    try {
      this.#cell[0] = stored;
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
   * @returns The value's state for `_share.ts`.
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

const INDEX = /^(0|-?[1-9]\d*)$/;

// Index access through a Proxy: `arr[i]` calls get/set; everything else goes
// to the object itself, with methods bound to it (its #private fields are
// not reachable through the proxy).
const bound = new WeakMap<object, Map<PropertyKey, unknown>>();
// Proxy -> the object behind it, for the revivers.
const targets = new WeakMap<object, RawArray>();

function proxied<A extends RawArray>(array: A): A {
  const proxy = new Proxy(array, HANDLER as ProxyHandler<A>);
  targets.set(proxy, array);
  return proxy;
}

function unwrap<A extends RawArray>(array: A): A {
  return (targets.get(array) as A | undefined) ?? array;
}
const HANDLER: ProxyHandler<RawArray> = {
  get(target, key) {
    if (typeof key === "string" && INDEX.test(key)) return target.get(Number(key));
    const value = Reflect.get(target, key, target);
    if (typeof value !== "function" || key === "constructor") return value;
    let cache = bound.get(target);
    if (!cache) bound.set(target, cache = new Map());
    let fn = cache.get(key);
    if (!fn) cache.set(key, fn = value.bind(target));
    return fn;
  },
  set(target, key, value) {
    if (typeof key === "string" && INDEX.test(key)) {
      target.set(Number(key), value);
      return true;
    }
    return Reflect.set(target, key, value, target);
  },
  has(target, key) {
    if (typeof key === "string" && INDEX.test(key)) {
      const i = Number(key);
      return i >= 0 && i < target.length;
    }
    return Reflect.has(target, key);
  },
};

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
      this.#elements = makeElements(typecode, sizeOrValues);
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
    this.#elements[this.#index(index)] = convert(this.#typecode, value) as never;
  }

  /**
   * Copies the elements out.
   *
   * @returns A plain array.
   */
  toArray(): ElementOf<T>[] {
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
   * @returns The array's state for `_share.ts`.
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
    const lock = lockOf(optionsOf(options).lock);
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
   * @returns The array's state for `_share.ts`.
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

function elementsOf(state: State): Elements {
  return new TYPES[state.typecode](state.buffer);
}

function lockFrom(state: State): Lock | RLock | undefined {
  return state.lock ? reviveNested(state.lock) as Lock | RLock : undefined;
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
