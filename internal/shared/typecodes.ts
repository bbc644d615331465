/**
 * What shared values and arrays have in common: Python's typecodes and
 * their typed arrays, the checks of elements and options, the lock taken
 * around an access, and the state they travel in.
 *
 * @module
 */

import { reviveShared, type SharedRef, shareSymbol } from "../shareable.ts";
import { coreOf as mutexOf, isMine } from "../lock/core.ts";
import { optionsOf as checkOptions } from "../options.ts";
import { type Lock, RLock } from "../lock/mutex.ts";
import { describe } from "../wait/futex.ts";

/** Python's typecodes for shared values and arrays. */
export type Typecode = "b" | "B" | "h" | "H" | "i" | "I" | "l" | "L" | "q" | "Q" | "f" | "d";

/** The typecodes whose elements are `bigint` (64-bit integers). */
export type BigTypecode = "l" | "L" | "q" | "Q";

/** The JavaScript type of an element of typecode `T`. */
export type ElementOf<T extends Typecode> = T extends BigTypecode ? bigint : number;

export type Elements =
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

export const TYPES: Record<Typecode, ElementsConstructor> = {
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

export function checkTypecode(typecode: unknown): Typecode {
  if (typeof typecode !== "string" || !Object.hasOwn(TYPES, typecode)) {
    throw new TypeError(
      `'typecode' must be one of ${Object.keys(TYPES).join(" ")}, got ${describe(typecode)}`,
    );
  }
  return typecode as Typecode;
}

/** Checks `value` against typecode `t`; returns what to store. */
export function convert(t: Typecode, value: unknown): number | bigint {
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

export function makeElements(t: Typecode, length: number): Elements {
  const Type = TYPES[t];
  return new Type(new SharedArrayBuffer(length * Type.BYTES_PER_ELEMENT));
}

export function lockOf(option: unknown): Lock | RLock | undefined {
  if (option === undefined || option === true) return new RLock();
  if (option === false) return undefined;
  if (mutexOf(option)) return option as Lock | RLock;
  throw new TypeError(`'lock' must be a boolean, a Lock or an RLock, got ${describe(option)}`);
}

export function sharedOptions(call: string, options: SharedOptions | undefined): SharedOptions {
  return checkOptions(call, options, ["lock"]);
}

/** Runs `fn` under `lock`, unless this process already holds it (no self-deadlock). */
export function guarded<R>(lock: Lock | RLock | undefined, fn: () => R): R {
  if (lock === undefined) return fn();
  const [view, index] = coreOf(lock);
  if (isMine(view, index)) return fn();
  lock.acquireSync();
  try {
    return fn();
  } finally {
    lock.release();
  }
}

// A lock's mutex word, cached per lock as a pair.
const cores = new WeakMap<object, [Int32Array, number]>();

export function coreOf(lock: Lock | RLock): [Int32Array, number] {
  let core = cores.get(lock);
  if (!core) {
    const { view, index } = mutexOf(lock)!;
    cores.set(lock, core = [view, index]);
  }
  return core;
}

export function noLock(kind: string): TypeError {
  return new TypeError(`This ${kind} was made with 'lock: false' and has no lock`);
}

export interface State {
  buffer: SharedArrayBuffer;
  typecode: Typecode;
  lock: SharedRef | null;
}

export function stateOf(
  elements: Elements,
  typecode: Typecode,
  lock: Lock | RLock | undefined,
): State {
  return {
    buffer: elements.buffer as SharedArrayBuffer,
    typecode,
    lock: lock ? lock[shareSymbol]() : null,
  };
}

export function elementsOf(state: State): Elements {
  return new TYPES[state.typecode](state.buffer);
}

export function lockFrom(state: State): Lock | RLock | undefined {
  return state.lock ? reviveShared(state.lock) as Lock | RLock : undefined;
}
