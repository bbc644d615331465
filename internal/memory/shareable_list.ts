/**
 * `ShareableList`: Python's `multiprocessing.shared_memory.ShareableList`, a
 * list of fixed length whose items live in a `SharedMemory` block, each in a
 * slot of fixed size set at creation (8 bytes for a number, bigint, boolean
 * or null; the UTF-8 length rounded up to 8 for a string or bytes). An item
 * may be replaced by one of any type that fits its slot.
 *
 * Layout of the block (bytes): the item count (u32) and a reserved word;
 * then per item its type (u8), padded to 8; its slot size (u32); the length
 * of its string or bytes (u32); then the slots, one after another.
 *
 * @module
 */

import { SharedMemory } from "./shared_memory.ts";
import { registerShareable, type SharedRef, shareSymbol } from "../shareable.ts";
import { indexed } from "../shared/indexed.ts";
import { checkAlive, critical } from "../process/table.ts";
import { describe } from "../wait/futex.ts";
import { printAsString, repr } from "../inspect.ts";

/** What a ShareableList holds. */
export type ShareableItem = number | bigint | string | Uint8Array | boolean | null;

// Item types.
const NULL = 0;
const NUMBER = 1;
const BIGINT = 2;
const BOOL = 3;
const STRING = 4;
const BYTES = 5;

const FORMAT = ["x", "d", "q", "?", "s", "s"];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function align8(n: number): number {
  return (n + 7) & ~7;
}

function typeOf(value: unknown, at: string): number {
  if (value === null) return NULL;
  switch (typeof value) {
    case "number":
      return NUMBER;
    case "bigint":
      if (value < -(2n ** 63n) || value >= 2n ** 63n) {
        throw new RangeError(`${at} does not fit in 64 bits: ${value}`);
      }
      return BIGINT;
    case "boolean":
      return BOOL;
    case "string":
      return STRING;
  }
  if (value instanceof Uint8Array) return BYTES;
  throw new TypeError(
    `${at} must be a number, bigint, string, Uint8Array, boolean or null, got ${describe(value)}`,
  );
}

/** Bytes an item needs in its slot. */
function bytesOf(type: number, value: unknown): Uint8Array | null {
  if (type === STRING) return encoder.encode(value as string);
  if (type === BYTES) return value as Uint8Array;
  return null;
}

/**
 * A list of fixed length in shared memory: Python's `ShareableList`.
 * `new ShareableList(items)` creates it in a new {@linkcode SharedMemory}
 * block; `new ShareableList(null, { name })` attaches to one by name (or pass
 * the list in a process's `args`). `xs[i]` (negative counts from the end),
 * `get`/`set`, `length`, `count`, `index`, iteration; `shm` is the block.
 * As in Python, items are not locked: guard concurrent writers with a `Lock`.
 *
 * @typeParam T The items' type.
 *
 * @example Items written by a child
 * ```ts
 * import { Process, ShareableList } from "@tsmp/multiprocessing";
 *
 * export function shout(xs: ShareableList): void {
 *   xs[0] = (xs[0] as string).toUpperCase();
 *   xs[1] = (xs[1] as number) * 2;
 * }
 *
 * if (import.meta.main) {
 *   const xs = new ShareableList(["hello", 21, null, true]);
 *   const p = new Process({ target: shout, args: [xs] });
 *   p.start();
 *   await p.join();
 *   console.log(xs.toArray()); // [ "HELLO", 42, null, true ]
 *   xs.shm.close();
 *   xs.shm.unlink();
 * }
 * ```
 */
export class ShareableList<T extends ShareableItem = ShareableItem> implements Iterable<T> {
  /** Index access: `xs[i]`. */
  [index: number]: T;
  #shm: SharedMemory;
  #n: number;
  #types: Uint8Array;
  #caps: Uint32Array;
  #lens: Uint32Array;
  #starts: number[] = [];
  #view: DataView;

  /**
   * Creates a list of `sequence` in a new block, or attaches to the list in
   * the block named `options.name` when `sequence` is null.
   *
   * @param sequence The items (their slot sizes are fixed from them).
   * @param options `name` of the block to create or attach to.
   * @throws {TypeError} For an item of another type (the message names it).
   * @throws {RangeError} For a bigint past 64 bits.
   * @throws {FileExistsError} When creating under a name that is taken.
   * @throws {FileNotFoundError} When attaching to a name no block has.
   */
  constructor(sequence?: Iterable<T> | null, options: { name?: string } = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`'options' must be an object, got ${describe(options)}`);
    }
    for (const key of Object.keys(options)) {
      if (key !== "name") throw new TypeError(`Unknown option '${key}' (expected 'name')`);
    }
    if (sequence === undefined || sequence === null) {
      if (options.name === undefined) {
        throw new TypeError("Give a 'sequence' to create a ShareableList, or a 'name' to attach");
      }
      this.#shm = new SharedMemory({ name: options.name });
    } else {
      if (typeof sequence !== "object" || !(Symbol.iterator in sequence)) {
        throw new TypeError(`'sequence' must be iterable, got ${describe(sequence)}`);
      }
      const items = [...sequence];
      const types = items.map((v, i) => typeOf(v, `sequence[${i}]`));
      const caps = items.map((v, i) => Math.max(8, align8(bytesOf(types[i], v)?.length ?? 8)));
      const n = items.length;
      const header = 8 + align8(n) + 2 * align8(4 * n);
      const size = header + caps.reduce((a, b) => a + b, 0);
      this.#shm = new SharedMemory({ name: options.name, create: true, size });
      new DataView(this.#shm.buf.buffer, this.#shm.buf.byteOffset).setUint32(0, n, true);
      const caps32 = new Uint32Array(
        this.#shm.buf.buffer,
        this.#shm.buf.byteOffset + 8 + align8(n),
        n,
      );
      caps32.set(caps);
    }
    const buf = this.#shm.buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const n = this.#n = this.#view.getUint32(0, true);
    this.#types = new Uint8Array(buf.buffer, buf.byteOffset + 8, n);
    this.#caps = new Uint32Array(buf.buffer, buf.byteOffset + 8 + align8(n), n);
    this.#lens = new Uint32Array(buf.buffer, buf.byteOffset + 8 + align8(n) + align8(4 * n), n);
    let at = 8 + align8(n) + 2 * align8(4 * n);
    for (let i = 0; i < n; i++) {
      this.#starts.push(at);
      at += this.#caps[i];
    }
    if (sequence !== undefined && sequence !== null) {
      let i = 0;
      for (const v of sequence) this.#write(i++, v);
    }
    return indexed(this);
  }

  /** The block the items live in. */
  get shm(): SharedMemory {
    return this.#shm;
  }

  /** How many items (fixed). */
  get length(): number {
    return this.#n;
  }

  /** The items' layout, in Python's `struct` notation (`d` number, `q` bigint, `?`, `x` null, `Ns`). */
  get format(): string {
    let out = "";
    for (let i = 0; i < this.#n; i++) {
      const t = this.#types[i];
      out += t === STRING || t === BYTES ? `${this.#caps[i]}s` : FORMAT[t];
    }
    return out;
  }

  #at(index: number): number {
    if (!Number.isInteger(index)) {
      throw new TypeError(`ShareableList index must be an integer, got ${describe(index)}`);
    }
    const i = index < 0 ? index + this.#n : index;
    if (i < 0 || i >= this.#n) throw new RangeError(`ShareableList index ${index} out of range`);
    return i;
  }

  /**
   * The item at `index` (negative counts from the end).
   *
   * @param index The position.
   * @returns A copy of the item.
   * @throws {RangeError} For an index out of range.
   */
  get(index: number): T {
    checkAlive();
    const i = this.#at(index);
    const at = this.#starts[i];
    const v = this.#view;
    switch (this.#types[i]) {
      case NULL:
        return null as T;
      case NUMBER:
        return v.getFloat64(at, true) as T;
      case BIGINT:
        return v.getBigInt64(at, true) as T;
      case BOOL:
        return (v.getUint8(at) === 1) as T;
      case STRING:
        return decoder.decode(this.#shm.buf.slice(at, at + this.#lens[i])) as T;
      default:
        return this.#shm.buf.slice(at, at + this.#lens[i]) as T;
    }
  }

  /**
   * Replaces the item at `index` with `value`, of any type that fits its slot.
   *
   * @param index The position (negative counts from the end).
   * @param value The new item.
   * @throws {RangeError} For an index out of range, or a string or bytes
   * longer than the slot ("exceeds available storage", as in Python).
   * @throws {TypeError} For a value of another type.
   */
  set(index: number, value: T): void {
    const i = this.#at(index);
    // Written inside a critical section of the process (see RawValue).
    critical(() => this.#write(i, value));
  }

  #write(i: number, value: unknown): void {
    const type = typeOf(value, `item ${i}`);
    const bytes = bytesOf(type, value);
    if (bytes && bytes.length > this.#caps[i]) {
      throw new RangeError(
        `bytes/str item exceeds available storage: ${bytes.length} bytes in a slot of ${
          this.#caps[i]
        }`,
      );
    }
    const at = this.#starts[i];
    const v = this.#view;
    if (type === NUMBER) v.setFloat64(at, value as number, true);
    else if (type === BIGINT) v.setBigInt64(at, value as bigint, true);
    else if (type === BOOL) v.setUint8(at, value ? 1 : 0);
    else if (bytes) {
      this.#shm.buf.set(bytes, at);
      this.#lens[i] = bytes.length;
    }
    this.#types[i] = type;
  }

  /**
   * How many items equal `value`.
   *
   * @param value What to count.
   * @returns The count.
   */
  count(value: T): number {
    let n = 0;
    for (const item of this) if (same(item, value)) n++;
    return n;
  }

  /**
   * The first position of `value`.
   *
   * @param value What to find.
   * @returns Its index.
   * @throws {RangeError} If it is not in the list (Python's ValueError).
   */
  index(value: T): number {
    for (let i = 0; i < this.#n; i++) if (same(this.get(i), value)) return i;
    throw new RangeError(`${describe(value)} is not in the ShareableList`);
  }

  /**
   * A copy of the items as an array.
   *
   * @returns The items.
   */
  toArray(): T[] {
    return Array.from(this);
  }

  /**
   * The items in order.
   *
   * @returns An iterator.
   */
  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.#n; i++) yield this.get(i);
  }

  /** Sends the list to another process, which attaches to its block by name. */
  [shareSymbol](): SharedRef {
    return { kind: "ShareableList", module: import.meta.url, state: this.#shm.name };
  }

  /**
   * Python's repr of a `ShareableList`.
   *
   * @returns `ShareableList([1, "a", null], name="psm_...")`.
   */
  toString(): string {
    return `ShareableList(${repr(this.toArray())}, name=${JSON.stringify(this.shm.name)})`;
  }
}

printAsString(ShareableList);

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  return a === b;
}

registerShareable("ShareableList", (name) => new ShareableList(null, { name: name as string }));
