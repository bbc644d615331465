/**
 * `ListProxy`: a Manager's shared list, with Python's methods and `xs[i]`.
 * Re-exported by `manager.ts`.
 *
 * @module
 */

import process from "node:process";
import { fromStored, read, type Ref, toStored, write } from "./store.ts";
import { compare, make, REVIVE_URL, takeRef } from "./common.ts";
import { indexed } from "../shared/indexed.ts";
import { type SharedRef, shareSymbol } from "../shareable.ts";
import { describe } from "../wait/futex.ts";
import { optionsOf } from "../options.ts";
import { printAsString, repr } from "../inspect.ts";

// Python's == for list items. node:util is loaded on first use: in Bun,
// loading it adds ~4 ms to the start of every worker whose target's module
// imports this library (a worker on an empty module: 6 ms; importing
// node:util: 10).
let deepEqual: ((a: unknown, b: unknown) => boolean) | undefined;

function isDeepStrictEqual(a: unknown, b: unknown): boolean {
  deepEqual ??= (process.getBuiltinModule("node:util") as typeof import("node:util"))
    .isDeepStrictEqual;
  return deepEqual(a, b);
}

type Stored = unknown[];

/** Options for {@linkcode ListProxy.prototype.sort}. */
export interface SortOptions<T> {
  /** A function of each item that the sort compares instead. @default {undefined} */
  key?: (item: T) => unknown;
  /** Largest first. @default {false} */
  reverse?: boolean;
}

function position(index: unknown, length: number, what: string): number {
  if (typeof index !== "number" || !Number.isInteger(index)) {
    throw new TypeError(`${what} must be an integer, got ${describe(index)}`);
  }
  return index < 0 ? index + length : index;
}

function inRange(index: number, length: number, what: string): number {
  const i = position(index, length, what);
  if (i < 0 || i >= length) throw new RangeError(`${what} ${index} out of range`);
  return i;
}

/**
 * A list shared by every process that holds it: Python's `Manager().list()`.
 * `xs[i]` (negative counts from the end), `get`/`set`, `length`, `append`,
 * `extend`, `insert`, `pop`, `remove`, `index`, `count`, `sort`, `reverse`,
 * `slice`, iteration; each call atomic. Items are copies, as in Python;
 * nested `list` and `dict` proxies are shared. `index`, `count` and `remove`
 * compare by value.
 *
 * @typeParam T The items' type.
 *
 * @example Python's list methods
 * ```ts
 * import { Manager } from "@tsmp/multiprocessing";
 *
 * await using manager = new Manager();
 * const xs = manager.list([3, 1, 2]);
 * xs.append(0);
 * xs.sort();
 * console.log(xs.slice(), xs[0], xs.length); // [ 0, 1, 2, 3 ] 0 4
 * ```
 */
export class ListProxy<T = unknown> implements Iterable<T> {
  /** Index access: `xs[i]`. */
  [index: number]: T;
  #ref: Ref;

  /** Made by `manager.list()`; this constructor is not for direct use. */
  constructor() {
    this.#ref = takeRef("list");
  }

  #read<R>(fn: (xs: Stored) => R): R {
    return read(this.#ref, "list", fn);
  }

  #write<R>(fn: (xs: Stored) => R): R {
    return write(this.#ref, "list", fn);
  }

  /** How many items (Python's `len(xs)`). */
  get length(): number {
    return this.#read((xs) => xs.length);
  }

  /**
   * The item at `index` (negative counts from the end).
   *
   * @param index The position.
   * @returns A copy of the item.
   * @throws {RangeError} For an index out of range (Python's IndexError).
   * @throws {ManagerShutdownError} After the Manager's shutdown (every method).
   */
  get(index: number): T {
    return this.#read((xs) => fromStored<T>(xs[inRange(index, xs.length, "list index")]));
  }

  /**
   * The item at `index`, or undefined out of range (as `Array.prototype.at`).
   *
   * @param index The position (negative counts from the end).
   * @returns A copy of the item.
   */
  at(index: number): T | undefined {
    return this.#read((xs) => {
      const i = position(index, xs.length, "index");
      return i >= 0 && i < xs.length ? fromStored<T>(xs[i]) : undefined;
    });
  }

  /**
   * Replaces the item at `index` (Python's `xs[i] = value`).
   *
   * @param index The position.
   * @param value The new item.
   * @throws {RangeError} For an index out of range.
   * @throws {TypeError} For a value that cannot be stored.
   */
  set(index: number, value: T): void {
    const stored = toStored(value, "value");
    this.#write((xs) => {
      xs[inRange(index, xs.length, "list assignment index")] = stored;
    });
  }

  /**
   * Adds an item at the end.
   *
   * @param value The item.
   * @throws {TypeError} For a value that cannot be stored.
   */
  append(value: T): void {
    const stored = toStored(value, "value");
    this.#write((xs) => xs.push(stored));
  }

  /**
   * Adds every item of `values` at the end, in one atomic call.
   *
   * @param values The items.
   * @throws {TypeError} For something not iterable, or an item that cannot be stored.
   */
  extend(values: Iterable<T>): void {
    if (typeof values !== "object" || values === null || !(Symbol.iterator in values)) {
      throw new TypeError(`'values' must be iterable, got ${describe(values)}`);
    }
    const stored = toStored([...values], "values") as unknown[];
    this.#write((xs) => xs.push(...stored));
  }

  /**
   * Inserts `value` before `index` (clamped to the list, as in Python).
   *
   * @param index The position.
   * @param value The item.
   */
  insert(index: number, value: T): void {
    const stored = toStored(value, "value");
    this.#write((xs) => {
      const i = Math.min(Math.max(position(index, xs.length, "index"), 0), xs.length);
      xs.splice(i, 0, stored);
    });
  }

  /**
   * Removes and returns the item at `index`.
   *
   * @param index The position. @default {-1}
   * @returns The item.
   * @throws {RangeError} For an empty list or an index out of range.
   */
  pop(index = -1): T {
    return this.#write((xs) => {
      if (xs.length === 0) throw new RangeError("pop from empty list");
      return fromStored<T>(xs.splice(inRange(index, xs.length, "pop index"), 1)[0]);
    });
  }

  /**
   * Removes the first item equal to `value`.
   *
   * @param value The item.
   * @throws {RangeError} If no item equals it (Python's ValueError).
   */
  remove(value: T): void {
    const stored = toStored(value, "value");
    this.#write((xs) => {
      const i = xs.findIndex((x) => isDeepStrictEqual(x, stored));
      if (i < 0) throw new RangeError(`list.remove(x): x not in list`);
      xs.splice(i, 1);
    });
  }

  /**
   * The first position of an item equal to `value`, from `start` to `stop`.
   *
   * @param value The item.
   * @param start First position. @default {0}
   * @param stop End position. @default {length}
   * @returns The position.
   * @throws {RangeError} If no item equals it.
   */
  index(value: T, start = 0, stop?: number): number {
    const stored = toStored(value, "value");
    return this.#read((xs) => {
      const from = Math.max(0, position(start, xs.length, "start"));
      const to = stop === undefined ? xs.length : position(stop, xs.length, "stop");
      for (let i = from; i < Math.min(to, xs.length); i++) {
        if (isDeepStrictEqual(xs[i], stored)) return i;
      }
      throw new RangeError(`${describe(value)} is not in list`);
    });
  }

  /**
   * How many items equal `value`.
   *
   * @param value The item.
   * @returns The count.
   */
  count(value: T): number {
    const stored = toStored(value, "value");
    return this.#read((xs) => xs.filter((x) => isDeepStrictEqual(x, stored)).length);
  }

  /**
   * Sorts the list in place, as Python does: numbers by value, strings by
   * code point (not as `Array.prototype.sort`'s default), stable.
   *
   * @param options `key` and `reverse`.
   * @throws {TypeError} For items Python could not compare (a number and a string).
   */
  sort(options: SortOptions<T> = {}): void {
    const { key, reverse = false } = optionsOf("ListProxy.sort", options, ["key", "reverse"]);
    if (key !== undefined && typeof key !== "function") {
      throw new TypeError(`'key' must be a function, got ${describe(key)}`);
    }
    this.#write((xs) => {
      const keyed = xs.map((x) => [key ? key(fromStored<T>(x)) : x, x] as const);
      keyed.sort((a, b) => reverse ? compare(b[0], a[0]) : compare(a[0], b[0]));
      for (let i = 0; i < xs.length; i++) xs[i] = keyed[i][1];
    });
  }

  /** Reverses the list in place. */
  reverse(): void {
    this.#write((xs) => xs.reverse());
  }

  /** Removes every item. */
  clear(): void {
    this.#write((xs) => (xs.length = 0));
  }

  /**
   * Items `start` to `end` as an array (Python's `xs[start:end]`, a copy).
   *
   * @param start First position (negative counts from the end). @default {0}
   * @param end End position. @default {length}
   * @returns The items.
   */
  slice(start?: number, end?: number): T[] {
    return this.#read((xs) => xs.slice(start, end).map((x) => fromStored<T>(x)));
  }

  /**
   * A copy of every item as an array (Python's `list(xs)`).
   *
   * @returns The items.
   */
  toArray(): T[] {
    return this.slice();
  }

  /**
   * The items, over a copy taken now.
   *
   * @returns An iterator.
   */
  [Symbol.iterator](): Iterator<T> {
    return this.slice()[Symbol.iterator]();
  }

  /** Sends the proxy to another process (used by `Process` args). */
  [shareSymbol](): SharedRef {
    return { kind: "ListProxy", module: REVIVE_URL, state: this.#ref };
  }

  /**
   * The shared list's items, as Python prints a list.
   *
   * @returns `ListProxy([1, 2, 3])`.
   */
  toString(): string {
    return `ListProxy(${repr(this.toArray())})`;
  }
}

printAsString(ListProxy);

/** A proxy over the list at `ref`, with `xs[i]`. */
export function listProxy<T>(ref: Ref): ListProxy<T> {
  return make(ref, () => indexed(new ListProxy<T>()));
}
