/**
 * `DictProxy`: a Manager's shared dict, with Python's methods in camelCase
 * and the JS `Map` surface. Re-exported by `manager.ts`.
 *
 * @module
 */

import { fromStored, read, type Ref, toStored, write } from "./store.ts";
import { checkKey, make, REVIVE_URL, takeRef } from "./common.ts";
import { KeyError } from "./errors.ts";
import type { SharedRef } from "../shareable.ts";
import { shareSymbol } from "../shareable.ts";
import { describe } from "../wait/futex.ts";
import { printAsString, repr } from "../inspect.ts";

type Stored = Map<unknown, unknown>;

/**
 * A dict shared by every process that holds it: Python's `Manager().dict()`.
 * Each call is atomic (it runs under the dict's lock and publishes its
 * change at once), so `d.set(k, d.get(k) + 1)` is two calls that another
 * process may come between, as in Python; `update`, `setdefault` and `pop`
 * are one. Values are copies, as in Python: changing an object you got does
 * not change the shared one (set it again); a nested `list` or `dict` proxy
 * is shared. Keys are primitives (strings, numbers, bigints, booleans, null).
 * Iteration yields `[key, value]` entries, as a `Map`'s does (Python's yields
 * keys: use `keys()`).
 *
 * @typeParam K The keys' type.
 * @typeParam V The values' type.
 *
 * @example Counting in one dict from four processes
 * ```ts
 * import { type DictProxy, Lock, Manager, Process } from "@tsmp/multiprocessing";
 *
 * export function count(d: DictProxy<string, number>, lock: Lock, name: string): void {
 *   d.set(name, name.length);
 *   lock.withLockSync(() => d.set("total", (d.get("total") ?? 0) + 1));
 * }
 *
 * if (import.meta.main) {
 *   await using manager = new Manager();
 *   const d = manager.dict<string, number>();
 *   const lock = new Lock();
 *   const ps = ["a", "bb", "ccc", "dddd"].map((name) =>
 *     new Process({ target: count, args: [d, lock, name] })
 *   );
 *   for (const p of ps) p.start();
 *   for (const p of ps) await p.join();
 *   console.log(d.get("total"), d.get("ccc"), d.size); // 4 3 5
 * }
 * ```
 */
export class DictProxy<K = unknown, V = unknown> implements Iterable<[K, V]> {
  #ref: Ref;

  /** Made by `manager.dict()`; this constructor is not for direct use. */
  constructor() {
    this.#ref = takeRef("dict");
  }

  #read<T>(fn: (m: Stored) => T): T {
    return read(this.#ref, "dict", fn);
  }

  #write<T>(fn: (m: Stored) => T): T {
    return write(this.#ref, "dict", fn);
  }

  /**
   * The value of `key`, or `fallback` (Python's `d.get(key, default)`).
   *
   * @param key The key.
   * @param fallback What to return for a missing key. @default {undefined}
   * @returns A copy of the value.
   * @throws {ManagerShutdownError} After the Manager's shutdown (every method).
   */
  get(key: K, fallback?: V): V | undefined {
    return this.#read((m) => m.has(key) ? fromStored<V>(m.get(key)) : fallback);
  }

  /**
   * The value of `key`, as Python's `d[key]`.
   *
   * @param key The key.
   * @returns A copy of the value.
   * @throws {KeyError} For a missing key.
   */
  getItem(key: K): V {
    return this.#read((m) => {
      if (!m.has(key)) throw new KeyError(describe(key));
      return fromStored<V>(m.get(key));
    });
  }

  /**
   * Sets `key` to a copy of `value` (Python's `d[key] = value`).
   *
   * @param key A primitive.
   * @param value Any value the library can send, or a Manager proxy.
   * @returns This dict.
   * @throws {TypeError} For a key that is not a primitive, or a value that
   * cannot be stored (the message names where).
   */
  set(key: K, value: V): this {
    checkKey(key);
    const stored = toStored(value, "value");
    this.#write((m) => m.set(key, stored));
    return this;
  }

  /**
   * Whether `key` is in the dict (Python's `key in d`).
   *
   * @param key The key.
   * @returns Whether it is.
   */
  has(key: K): boolean {
    return this.#read((m) => m.has(key));
  }

  /**
   * Removes `key` (Python's `del d[key]`, without the KeyError).
   *
   * @param key The key.
   * @returns Whether it was there.
   */
  delete(key: K): boolean {
    if (!this.has(key)) return false;
    return this.#write((m) => m.delete(key));
  }

  /** How many keys (Python's `len(d)`). */
  get size(): number {
    return this.#read((m) => m.size);
  }

  /**
   * The keys, in insertion order, as a list (a copy).
   *
   * @returns The keys.
   */
  keys(): K[] {
    return this.#read((m) => [...m.keys()] as K[]);
  }

  /**
   * The values, in insertion order (copies).
   *
   * @returns The values.
   */
  values(): V[] {
    return this.#read((m) => [...m.values()].map((v) => fromStored<V>(v)));
  }

  /**
   * The `[key, value]` pairs, in insertion order (copies).
   *
   * @returns The entries.
   */
  entries(): [K, V][] {
    return this.#read((m) => [...m].map(([k, v]) => [k as K, fromStored<V>(v)]));
  }

  /**
   * Python's name for {@linkcode DictProxy.prototype.entries}.
   *
   * @returns The entries.
   */
  items(): [K, V][] {
    return this.entries();
  }

  /**
   * Sets every pair of `other` in one atomic call.
   *
   * @param other A Map, a dict proxy, an object, or an iterable of pairs.
   * @throws {TypeError} For something else, or a key or value that cannot be stored.
   */
  update(other: Iterable<readonly [K, V]> | Record<string, V> | DictProxy<K, V>): void {
    let pairs: (readonly [unknown, unknown])[];
    if (other instanceof DictProxy) pairs = other.entries();
    else if (typeof other === "object" && other !== null && Symbol.iterator in other) {
      pairs = [...(other as Iterable<readonly [K, V]>)];
      pairs.forEach((p, i) => {
        if (!Array.isArray(p) || p.length !== 2) {
          throw new TypeError(`update item ${i} must be a [key, value] pair, got ${describe(p)}`);
        }
      });
    } else if (typeof other === "object" && other !== null) pairs = Object.entries(other);
    else throw new TypeError(`'other' must be a Map, an object or pairs, got ${describe(other)}`);
    const stored = pairs.map(([k, v], i) => {
      checkKey(k);
      return [k, toStored(v, `other[${i}]`)] as const;
    });
    this.#write((m) => {
      for (const [k, v] of stored) m.set(k, v);
    });
  }

  /**
   * Removes `key` and returns its value, or `fallback` if given.
   *
   * @param key The key.
   * @param fallback What to return for a missing key.
   * @returns The value.
   * @throws {KeyError} For a missing key and no fallback.
   */
  pop(key: K, fallback?: V): V {
    const hasFallback = arguments.length > 1;
    if (!this.has(key)) {
      if (hasFallback) return fallback as V;
      throw new KeyError(describe(key));
    }
    return this.#write((m) => {
      if (!m.has(key)) {
        if (hasFallback) return fallback as V;
        throw new KeyError(describe(key));
      }
      const value = m.get(key);
      m.delete(key);
      return fromStored<V>(value);
    });
  }

  /**
   * Removes and returns the last pair set (Python's LIFO order).
   *
   * @returns The pair.
   * @throws {KeyError} If the dict is empty.
   */
  popitem(): [K, V] {
    return this.#write((m) => {
      if (m.size === 0) throw new KeyError("popitem(): dictionary is empty");
      const [k, v] = [...m].at(-1)!;
      m.delete(k);
      return [k as K, fromStored<V>(v)];
    });
  }

  /**
   * The value of `key`; if it is missing, sets it to `fallback` first (one
   * atomic call).
   *
   * @param key The key.
   * @param fallback The value to set. @default {null}
   * @returns The value.
   */
  setdefault(key: K, fallback: V = null as V): V {
    checkKey(key);
    const stored = toStored(fallback, "default");
    return this.#write((m) => {
      if (!m.has(key)) m.set(key, stored);
      return fromStored<V>(m.get(key));
    });
  }

  /** Removes every key. */
  clear(): void {
    this.#write((m) => m.clear());
  }

  /**
   * A copy of the dict as a `Map` (Python's `d.copy()` gives a dict).
   *
   * @returns The copy.
   */
  copy(): Map<K, V> {
    return new Map(this.entries());
  }

  /**
   * Calls `fn` with each value and key, as `Map.forEach` (over a copy).
   *
   * @param fn The callback.
   */
  forEach(fn: (value: V, key: K, dict: this) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }

  /**
   * The entries, as a `Map` iterates (over a copy taken now).
   *
   * @returns An iterator of `[key, value]`.
   */
  [Symbol.iterator](): Iterator<[K, V]> {
    return this.entries()[Symbol.iterator]();
  }

  /** Sends the proxy to another process (used by `Process` args). */
  [shareSymbol](): SharedRef {
    return { kind: "DictProxy", module: REVIVE_URL, state: this.#ref };
  }

  /**
   * The shared mapping's entries, as Python prints a dict.
   *
   * @returns `DictProxy({"a": 1, "b": 2})`.
   */
  toString(): string {
    return `DictProxy({${this.entries().map(([k, v]) => `${repr(k)}: ${repr(v)}`).join(", ")}})`;
  }
}

printAsString(DictProxy);

/** A proxy over the dict at `ref`. */
export function dictProxy<K, V>(ref: Ref): DictProxy<K, V> {
  return make(ref, () => new DictProxy<K, V>());
}
