/**
 * The compact codec the message channel writes its messages with, written
 * straight into the destination bytes (the channel's `SharedArrayBuffer`)
 * and read straight back out of it (`decode.ts`). It carries what
 * `structuredClone` carries and gives back what `structuredClone` would
 * give: primitives (strings with lone surrogates too), plain objects,
 * arrays (holes, sparse arrays and their other keys too), `Map`, `Set`,
 * `Date`, `RegExp`, errors (`Error` and its built-in subclasses, with
 * message, stack and cause), `DOMException`, boxed primitives, `ArrayBuffer`
 * (resizable too), every typed array and `DataView` (their byte offset, and
 * one buffer shared by several views, kept). Shared and cyclic references
 * come back shared and cyclic; the cost is linear in the distinct objects.
 * `node:v8` is never used.
 *
 * Refused, with a `TypeError` that names the path of the offending value:
 * functions, symbols, class instances (which would lose their methods),
 * `SharedArrayBuffer`s and shared objects (a `Lock`, a `Queue`: they travel
 * in a process's args), and built-in objects structured clone cannot carry
 * or this codec cannot read synchronously (`WeakMap`, `Promise`, `Blob`).
 *
 * @module
 */

import { isShareable } from "../shareable.ts";
import { runtime } from "../../runtime/mod.ts";
import { Buffer } from "node:buffer";
import {
  ERROR_CAUSE,
  ERROR_MESSAGE,
  ERROR_STACK,
  ERROR_TYPES,
  MAGIC,
  MAGIC_PLAIN,
  RAW,
  T_ARRAY,
  T_ARRAY_KEYS,
  T_ASCII,
  T_BIGINT,
  T_BOXED,
  T_BUFFER,
  T_DATE,
  T_DOMEXCEPTION,
  T_ERROR,
  T_FALSE,
  T_FLOAT64,
  T_HOLE,
  T_INT32,
  T_INT8,
  T_ITEMS,
  T_MAP,
  T_NESTED,
  T_NULL,
  T_NUMBERS,
  T_OBJECT,
  T_REF,
  T_REGEXP,
  T_ROWS,
  T_SET,
  T_SHAPED,
  T_SPARSE,
  T_TRUE,
  T_UNDEFINED,
  T_UTF16,
  T_UTF8,
  T_VIEW,
  VIEW_NAMES,
} from "./tags.ts";

// Shared objects travel only where a worker is handed them at its start,
// as in Python ("share queues between processes through inheritance").
const INSIDE = "(a Queue or Pipe item, or a pool task's arguments)";
const SHARE_INSTEAD = "give it to a Process in its args, or to a pool's workers through " +
  "its initializer and initargs";

export { copyOut, decode, messageBytes, Reader } from "./decode.ts";

/** Thrown (as this very object) when a fixed-size writer runs out of room. */
export const OVERFLOW: { readonly overflow: true } = Object.freeze({ overflow: true });

/** A cursor over bytes that values are encoded into. */
export class Writer {
  /** Bytes written to. */
  u8: Uint8Array;
  /** The same bytes, for numbers. */
  dv: DataView;
  /** Next byte to write. */
  pos = 0;
  /** First byte past the room this writer may use. */
  end: number;
  /** Whether running out of room grows a private buffer (else: throw OVERFLOW). */
  readonly growable: boolean;

  /** A writer over `u8` that throws {@linkcode OVERFLOW} past `end`, or a growable private one. */
  constructor(u8?: Uint8Array, end?: number) {
    this.growable = u8 === undefined;
    this.u8 = u8 ?? new Uint8Array(256);
    // Fixed-length on purpose: V8 is ~10x slower through a length-tracking
    // view of a growable buffer (see internal/channel/channel.ts).
    this.dv = new DataView(this.u8.buffer, this.u8.byteOffset, this.u8.byteLength);
    this.end = end ?? this.u8.length;
  }

  /** Makes room for `n` more bytes. */
  room(n: number): void {
    if (this.pos + n <= this.end) return;
    if (!this.growable) throw OVERFLOW;
    const bigger = new Uint8Array(Math.max(this.u8.length * 2, this.pos + n));
    bigger.set(this.u8.subarray(0, this.pos));
    this.u8 = bigger;
    this.dv = new DataView(bigger.buffer);
    this.end = bigger.length;
  }
}

/**
 * Bytes to put in a message as they are (`sendBytes`): `recvBytes` gives
 * them back unchanged, and bytes that `recvBytes` returned for an encoded
 * message arrive as that message again, as on Python's one stream of pickles.
 */
export class RawBytes {
  /** The bytes. */
  readonly bytes: Uint8Array;
  /** Wraps `bytes` (not copied: encode them before they change). */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
}

/**
 * An array whose only own keys are its indices (one the sender made itself,
 * such as a slice: it may have holes but no other keys), or its elements
 * `from` up to `to`. It is sent as the list of those elements, without
 * listing its keys first: `Object.keys` of a long array makes a string per
 * index (~75 ns an item in Deno and Bun). Each element is numbered on its
 * own (T_ITEMS): two elements that are the same object arrive as two equal
 * objects, as items sent one by one do.
 */
export class Items {
  /** The array. */
  readonly items: unknown[];
  /** The first element sent. */
  readonly from: number;
  /** The element after the last one sent. */
  readonly to: number;
  /** Wraps `items` (not copied), or its elements `from` up to `to`. */
  constructor(items: unknown[], from = 0, to: number = items.length) {
    this.items = items;
    this.from = from;
    this.to = to;
  }
}

/**
 * A list of rows of `width` elements each (a starmap's argument lists, at
 * least one element wide), sent as the list of its rows' elements: the
 * rows arrive as new arrays of their first `width` elements, never shared
 * with anything else in the message, without their other keys. For rows
 * only ever spread into a call. Sent numbers cost a copy each, and each
 * row's objects are numbered on their own, as in {@linkcode Items}.
 */
export class Rows {
  /** The rows. */
  readonly rows: ArrayLike<unknown>[];
  /** The elements sent of each row. */
  readonly width: number;
  /** The first row sent. */
  readonly from: number;
  /** The row after the last one sent. */
  readonly to: number;
  /** Wraps `rows` (not copied), or its rows `from` up to `to`; `width` is at least 1. */
  constructor(rows: ArrayLike<unknown>[], width: number, from = 0, to: number = rows.length) {
    this.rows = rows;
    this.width = width;
    this.from = from;
    this.to = to;
  }
}

/**
 * A value sent as a message of its own inside the message (numbered on its
 * own): the receiver gets its bytes unread (see `NestedBytes` in
 * decode.ts), to read when it wants.
 */
export class Nested {
  /** The value. */
  readonly value: unknown;
  /** Wraps `value` (not copied). */
  constructor(value: unknown) {
    this.value = value;
  }
}

/** The path-carrying error raised for a value that cannot be sent. */
class Unsendable extends TypeError {
  readonly path: string[] = [];
  readonly what: string;
  constructor(what: string) {
    super(what);
    this.what = what;
  }
}

const encoder = new TextEncoder();

// Every object met in the message being encoded; its index is its number
// (see tags.ts). Searched in place while short (cheaper than a Map for the
// commonest messages), through `index` once longer: maps of at most SEGMENT
// objects each, then doubling. One Map of a whole chunk's objects (a pool's
// 12,500 records) outgrows V8's regular pages: each regrowth is then a fresh
// large allocation, ~10x the cost per object in Node, where the segments
// stay small.
let met: object[] = [];
let index: Map<object, number>[] | undefined;
let encoding = false;
// Whether the message being encoded has written a T_REF (else it goes out
// as MAGIC_PLAIN).
let referred = false;
const SHORT_LIST = 16;
const SEGMENT = 4096;
// The key lists of the plain objects' shapes met in this message, by number
// (see T_SHAPED), and the number of the last one used.
let shapes: string[][] = [];
let lastShape = -1;
const MAX_SHAPES = 32;
const MAX_SHAPE_KEYS = 64;

function numberOf(object: object): number {
  if (index === undefined) return met.indexOf(object);
  for (let i = 0; i < index.length; i++) {
    const id = index[i].get(object);
    if (id !== undefined) return id;
  }
  return -1;
}

function number(object: object): void {
  const id = met.length;
  met.push(object);
  if (index !== undefined) {
    let last = index[index.length - 1];
    if (last.size >= Math.max(SEGMENT, id >> 3)) index.push(last = new Map());
    last.set(object, id);
  } else if (id + 1 === SHORT_LIST) index = [new Map(met.map((o, i) => [o, i]))];
}

/**
 * Encodes `value` at `w.pos` as one message. Throws {@linkcode OVERFLOW} if
 * a fixed writer runs out of room (nothing is then valid past the start
 * position), or a `TypeError` naming the path (rooted at `root`) of a value
 * that cannot be sent.
 */
export function encode(value: unknown, w: Writer, root: string): void {
  if (value instanceof RawBytes) return putRaw(value.bytes, w);
  try {
    putMessage(value, w);
  } catch (error) {
    throw named(error, root);
  }
}

// MAGIC or MAGIC_PLAIN, then `value`, numbered on its own.
function putMessage(value: unknown, w: Writer): void {
  if (typeof value !== "object" || value === null) {
    // A primitive: nothing to number.
    w.room(1);
    w.u8[w.pos++] = MAGIC_PLAIN;
    return put(value, w);
  }
  // A getter that sends a message while we encode, or a Nested value, gets
  // its own numbering.
  const outer = encoding ? { met, index, shapes, lastShape, referred } : undefined;
  if (outer) (met = [], index = undefined, shapes = [], lastShape = -1);
  encoding = true;
  referred = false;
  try {
    w.room(1);
    const start = w.pos++;
    put(value, w);
    // The first byte is written last: until then the writer may have moved
    // its bytes to a larger buffer.
    w.u8[start] = referred ? MAGIC : MAGIC_PLAIN;
  } finally {
    if (outer) ({ met, index, shapes, lastShape, referred } = outer);
    else {
      // Nothing of the message stays reachable from here.
      if (met.length > 0) met.length = 0;
      index = undefined;
      if (shapes.length > 0) shapes = [];
      lastShape = -1;
      protoKeys = 0;
      encoding = false;
    }
  }
}

// The error to throw for `error`, met while encoding the message named `root`.
function named(error: unknown, root: string): unknown {
  if (error instanceof Unsendable) {
    const path = root + error.path.reverse().join("");
    return new TypeError(`${path} ${error.what}`);
  }
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return new TypeError(`${root} is nested too deeply to be sent`, { cause: error });
  }
  return error;
}

function putRaw(bytes: Uint8Array, w: Writer): void {
  const n = bytes.length;
  // Verbatim, unless the first byte would be read as the RAW marker (or
  // there is none: a message is never empty).
  const mark = n === 0 || bytes[0] === RAW ? 1 : 0;
  w.room(mark + n);
  if (mark) w.u8[w.pos++] = RAW;
  w.u8.set(bytes, w.pos);
  w.pos += n;
}

function put(value: unknown, w: Writer): void {
  switch (typeof value) {
    case "number":
      return putNumber(value, w);
    case "string":
      return putString(value, w);
    case "boolean":
      w.room(1);
      w.u8[w.pos++] = value ? T_TRUE : T_FALSE;
      return;
    case "undefined":
      w.room(1);
      w.u8[w.pos++] = T_UNDEFINED;
      return;
    case "bigint":
      return putBigInt(value, w);
    case "function":
      throw new Unsendable(
        `is ${fnName(value)}, which cannot be sent to another process: pass data`,
      );
    case "symbol":
      throw new Unsendable("is a symbol, which cannot be sent to another process");
  }
  if (value === null) {
    w.room(1);
    w.u8[w.pos++] = T_NULL;
    return;
  }
  const object = value as object;
  if (object instanceof Nested) return putNested(object.value, w);
  if (putRef(object, w)) return;
  if (Array.isArray(object)) {
    number(object);
    return putArray(object, w);
  }
  const proto = Object.getPrototypeOf(object);
  if (proto === Object.prototype || proto === null) {
    number(object);
    return putPlain(object as Record<string, unknown>, w);
  }
  if (object instanceof Items) return putItems(object, w);
  if (object instanceof Rows) return putRows(object, w);
  putOther(object, proto, w);
}

/**
 * Encodes `value` as the part of its parent at `step` (a name, or an index
 * `[step]`, or `[step][column]`), naming that step if it cannot be sent.
 * An index is made text only then: one string per element sent would be
 * most of the garbage of a list of records.
 */
function putAt(value: unknown, w: Writer, step: string | number, column?: number): void {
  try {
    put(value, w);
  } catch (error) {
    throw withStep(error, step, column);
  }
}

/** Encodes the value of a `Map` entry, naming it `.get(key)` if it cannot be sent. */
function putEntryValue(value: unknown, w: Writer, key: unknown): void {
  try {
    put(value, w);
  } catch (error) {
    throw withStep(error, `.get(${keyText(key)})`);
  }
}

/**
 * `error`, with `step` (a name, or an index made `[step]` or
 * `[step][column]`) added to its path if it is a value that cannot be sent.
 */
function withStep(error: unknown, step: string | number, column?: number): unknown {
  if (error instanceof Unsendable) {
    error.path.push(
      typeof step === "string" ? step : column === undefined ? `[${step}]` : `[${step}][${column}]`,
    );
  }
  return error;
}

function keyStep(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function putPlain(object: Record<string, unknown>, w: Writer): void {
  if (lastShape >= 0 && putLastShape(object, w)) return;
  const keys = Object.keys(object);
  const n = keys.length;
  const shape = n > 0 && n <= MAX_SHAPE_KEYS ? shapeOf(keys) : -1;
  if (shape < 0) {
    w.room(5);
    w.u8[w.pos] = T_OBJECT;
    w.dv.setUint32(w.pos + 1, n, true);
    w.pos += 5;
  } else {
    w.room(9);
    w.u8[w.pos] = T_SHAPED;
    w.dv.setUint32(w.pos + 1, shape, true);
    w.pos += 5;
    if (newShape) {
      w.dv.setUint32(w.pos, n, true);
      w.pos += 4;
      for (let i = 0; i < n; i++) putString(keys[i], w);
    }
  }
  for (let i = 0; i < n; i++) {
    if (shape < 0) putString(keys[i], w);
    putValue(object, keys[i], w);
  }
}

/** Encodes `object[key]`, naming that step if it cannot be sent. */
function putValue(object: Record<string, unknown>, key: string, w: Writer): void {
  try {
    put(object[key], w);
  } catch (error) {
    throw withStep(error, keyStep(key));
  }
}

/**
 * Writes `object` as the shape used last if its keys are that shape's, in
 * order; returns whether it did. The keys are compared as `for...in` lists
 * them, which makes no array: `Object.keys` made one per record, most of a
 * list of records' garbage (4 MB a chunk of 100,000), whose collection and
 * whose memory the collector takes back and the next chunk faults in again
 * cost more than writing them. `for...in` also lists inherited enumerable
 * keys (after the own ones): only an object whose prototype chain has none
 * takes this path.
 */
function putLastShape(object: Record<string, unknown>, w: Writer): boolean {
  const keys = shapes[lastShape];
  const n = keys.length;
  let i = 0;
  for (const key in object) {
    if (i === n || keys[i] !== key) return false;
    i++;
  }
  if (i !== n || !plainProtos()) return false;
  w.room(5);
  w.u8[w.pos] = T_SHAPED;
  w.dv.setUint32(w.pos + 1, lastShape, true);
  w.pos += 5;
  for (i = 0; i < n; i++) putValue(object, keys[i], w);
  return true;
}

// Whether Object.prototype has no enumerable key (then `for...in` of a
// plain object lists its own keys only), as of the message being encoded:
// 0 not yet known, 1 none, 2 some.
let protoKeys = 0;

function plainProtos(): boolean {
  if (protoKeys === 0) {
    protoKeys = 1;
    for (const _ in Object.prototype) {
      protoKeys = 2;
      break;
    }
  }
  return protoKeys === 1;
}

// Set by shapeOf: whether the shape it returned is new (its keys go first).
let newShape = false;

/** The number of the shape with these keys (made if new), or -1 past MAX_SHAPES. */
function shapeOf(keys: string[]): number {
  newShape = false;
  if (lastShape >= 0 && sameKeys(shapes[lastShape], keys)) return lastShape;
  for (let i = 0; i < shapes.length; i++) {
    if (sameKeys(shapes[i], keys)) return lastShape = i;
  }
  if (shapes.length >= MAX_SHAPES) return -1;
  newShape = true;
  shapes.push(keys);
  return lastShape = shapes.length - 1;
}

function sameKeys(a: string[], b: string[]): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

// Whether `key` (from Object.keys) is an array index.
function isIndex(key: string): boolean {
  const c = key.charCodeAt(0);
  if (c < 48 || c > 57) return false;
  const i = Number(key);
  return (i >>> 0) === i && i !== 4294967295 && String(i) === key;
}

function putArray(array: unknown[], w: Writer): void {
  const n = array.length;
  // Object.keys lists the indices (ascending) before the other keys, and
  // leaves out holes: n keys ending in n - 1 means a plain dense array.
  const keys = Object.keys(array);
  const k = keys.length;
  if (k === n && (n === 0 || keys[n - 1] === String(n - 1))) {
    if (n >= NUMBER_RUN && typeof array[0] === "number") return putIndexed(array, w);
    w.room(5);
    w.u8[w.pos] = T_ARRAY;
    w.dv.setUint32(w.pos + 1, n, true);
    w.pos += 5;
    for (let i = 0; i < n; i++) putAt(array[i], w, i);
    return;
  }
  // How many keys are indices (they come first).
  let lo = 0;
  let hi = k;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (isIndex(keys[mid])) lo = mid + 1;
    else hi = mid;
  }
  const indices = lo;
  if (n - indices > indices + 64) {
    // Mostly holes: only the elements there are (a length of 2^32 - 1 costs nothing).
    w.room(9);
    w.u8[w.pos] = T_SPARSE;
    w.dv.setUint32(w.pos + 1, n, true);
    w.dv.setUint32(w.pos + 5, indices, true);
    w.pos += 9;
    for (let j = 0; j < indices; j++) {
      const i = Number(keys[j]);
      w.room(4);
      w.dv.setUint32(w.pos, i, true);
      w.pos += 4;
      putAt(array[i], w, i);
    }
  } else {
    w.room(5);
    w.u8[w.pos] = T_ARRAY_KEYS;
    w.dv.setUint32(w.pos + 1, n, true);
    w.pos += 5;
    for (let i = 0; i < n; i++) {
      const v = array[i];
      if (v === undefined && !Object.hasOwn(array, i)) {
        w.room(1);
        w.u8[w.pos++] = T_HOLE;
      } else putAt(v, w, i);
    }
  }
  w.room(4);
  w.dv.setUint32(w.pos, k - indices, true);
  w.pos += 4;
  for (let j = indices; j < k; j++) {
    const key = keys[j];
    putString(key, w);
    putAt((array as unknown as Record<string, unknown>)[key], w, keyStep(key));
  }
}

// Dense arrays of this many elements or more that start with a number are
// sent as T_NUMBERS.
const NUMBER_RUN = 8;
// Room asked for at a time while writing numbers: a long array that turns
// out to hold other things soon asks for no more than it uses.
const NUMBER_BLOCK = 1024;

/** A {@linkcode Nested}: its length, then its value encoded as a message of its own. */
function putNested(value: unknown, w: Writer): void {
  w.room(5);
  w.u8[w.pos] = T_NESTED;
  const at = w.pos + 1;
  w.pos += 5;
  putMessage(value, w);
  w.dv.setUint32(at, w.pos - at - 4, true);
}

/**
 * The list of an {@linkcode Items}, sent as T_ITEMS (as T_NUMBERS, each
 * element after the run numbered on its own). A whole array is numbered as
 * itself; a part of one is a list of its own (numbered as a new object, as
 * the decoder numbers the list it makes).
 */
function putItems({ items: array, from, to }: Items, w: Writer): void {
  if (from === 0 && to === array.length) {
    if (putRef(array, w)) return;
    number(array);
  } else number({});
  putIndexed(array, w, true, from, to);
}

/** Writes a T_REF to `object` if it was met before in this message; returns whether. */
function putRef(object: object, w: Writer): boolean {
  const id = met.length === 0 ? -1 : numberOf(object);
  if (id < 0) return false;
  referred = true;
  w.room(5);
  w.u8[w.pos] = T_REF;
  w.dv.setUint32(w.pos + 1, id, true);
  w.pos += 5;
  return true;
}

/** A {@linkcode Rows}: its list numbered, its rows' elements one run. */
function putRows({ rows, width, from, to: n }: Rows, w: Writer): void {
  if (!(width >= 1)) throw new RangeError("Rows must be at least one element wide");
  // Part of a list is a list of its own.
  number(from === 0 && n === rows.length ? rows : {});
  w.room(13);
  w.u8[w.pos] = T_ROWS;
  w.dv.setUint32(w.pos + 1, n - from, true);
  w.dv.setUint32(w.pos + 5, width, true);
  const countAt = w.pos + 9;
  w.pos += 13;
  let i = from;
  let j = 0;
  let value: unknown;
  run: for (; i < n; i++) {
    const row = rows[i];
    w.room(8 * width);
    const dv = w.dv;
    for (j = 0; j < width; j++) {
      value = row[j];
      if (typeof value !== "number") break run;
      dv.setFloat64(w.pos, value, true);
      w.pos += 8;
    }
  }
  w.dv.setUint32(countAt, (i - from) * width + (i < n ? j : 0), true);
  // `value` is element j of row i already: the one that ended the run.
  let pending = true;
  const own: object[] = [];
  for (; i < n; i++, j = 0) {
    const row = rows[i];
    const outerMet = met;
    const outerIndex = index;
    alone(own);
    try {
      for (; j < width; j++) {
        putAt(pending ? value : row[j], w, i - from, j);
        pending = false;
      }
    } finally {
      met = outerMet;
      index = outerIndex;
    }
  }
}

/**
 * An array with no keys but its indices (holes allowed), as T_NUMBERS, or,
 * `each`, as T_ITEMS: each element after the run numbered on its own.
 */
function putIndexed(
  array: unknown[],
  w: Writer,
  each = false,
  from = 0,
  to: number = array.length,
): void {
  w.room(9);
  w.u8[w.pos] = each ? T_ITEMS : T_NUMBERS;
  w.dv.setUint32(w.pos + 1, to - from, true);
  const countAt = w.pos + 5;
  w.pos += 9;
  // Each element is read once (an element may be a getter): the numbers
  // are written as met, and the first other value ends the run.
  let i = from;
  let value: unknown;
  run: while (i < to) {
    const block = Math.min(to - i, NUMBER_BLOCK);
    w.room(8 * block);
    const dv = w.dv;
    let at = w.pos;
    for (const end = i + block; i < end; i++, at += 8) {
      value = array[i];
      if (typeof value !== "number") {
        w.pos = at;
        break run;
      }
      dv.setFloat64(at, value, true);
    }
    w.pos = at;
  }
  w.dv.setUint32(countAt, i - from, true);
  // `value` is element i already: the one that ended the run.
  const own: object[] | undefined = each ? [] : undefined;
  for (let first = true; i < to; i++, first = false) {
    if (!first) value = array[i];
    if (value === undefined && !(i in array)) {
      w.room(1);
      w.u8[w.pos++] = T_HOLE;
    } else if (own && typeof value === "object" && value !== null) {
      putAlone(value, own, w, i - from);
    } else putAt(value, w, i - from);
  }
}

/**
 * Encodes element `i` of a T_ITEMS list numbered on its own, with `own` as
 * its list of objects met (see {@linkcode alone}).
 */
function putAlone(value: object, own: object[], w: Writer, i: number): void {
  const outerMet = met;
  const outerIndex = index;
  alone(own);
  try {
    putAt(value, w, i);
  } finally {
    met = outerMet;
    index = outerIndex;
  }
}

/**
 * Starts numbering an element (or a row) on its own, with `own` (emptied
 * first, by popping: setting the length of an array reallocates it) as its
 * list of objects met: what it holds is looked for only among its own
 * objects, so that a record costs what a record costs however long its
 * list. (Looking each of a chunk's 12,500 records up among all those before
 * it was 35-45% of encoding the chunk.) The caller puts back `met` and
 * `index` after the element.
 */
function alone(own: object[]): void {
  while (own.length > 0) own.pop();
  met = own;
  index = undefined;
}

const typedArrayName = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype),
  Symbol.toStringTag,
)!.get!;
const VIEW_KIND = new Map(VIEW_NAMES.map((name, kind) => [name, kind]));
const isError: (value: unknown) => boolean =
  (Error as { isError?: (value: unknown) => boolean }).isError ??
    ((value) => value instanceof Error);
const DOMExceptionClass = (globalThis as { DOMException?: typeof DOMException }).DOMException;

function putOther(object: object, proto: object | null, w: Writer): void {
  if (ArrayBuffer.isView(object)) return putView(object, w);
  if (object instanceof ArrayBuffer) {
    number(object);
    return putBuffer(object, w);
  }
  if (object instanceof Date) {
    number(object);
    w.room(9);
    w.u8[w.pos] = T_DATE;
    w.dv.setFloat64(w.pos + 1, Date.prototype.getTime.call(object), true);
    w.pos += 9;
    return;
  }
  if (object instanceof RegExp) {
    number(object);
    w.room(1);
    w.u8[w.pos++] = T_REGEXP;
    putString(object.source, w);
    putString(object.flags, w);
    return;
  }
  if (object instanceof Map) {
    number(object);
    w.room(5);
    w.u8[w.pos] = T_MAP;
    const at = w.pos + 1;
    w.pos += 5;
    let n = 0;
    for (const [key, value] of Map.prototype.entries.call(object)) {
      putAt(key, w, ".<key>");
      putEntryValue(value, w, key);
      n++;
    }
    w.dv.setUint32(at, n, true);
    return;
  }
  if (object instanceof Set) {
    number(object);
    w.room(5);
    w.u8[w.pos] = T_SET;
    const at = w.pos + 1;
    w.pos += 5;
    let n = 0;
    for (const member of Set.prototype.values.call(object)) {
      putAt(member, w, ".<member>");
      n++;
    }
    w.dv.setUint32(at, n, true);
    return;
  }
  if (DOMExceptionClass !== undefined && object instanceof DOMExceptionClass) {
    number(object);
    const stack = (object as { stack?: unknown }).stack;
    w.room(1);
    w.u8[w.pos++] = T_DOMEXCEPTION;
    putString(object.name, w);
    putString(object.message, w);
    w.room(1);
    w.u8[w.pos++] = typeof stack === "string" ? 1 : 0;
    if (typeof stack === "string") putString(stack, w);
    return;
  }
  if (isError(object)) return putError(object as Error, w);
  if (object instanceof Number) return putBoxed(object, Number.prototype.valueOf.call(object), w);
  if (object instanceof String) return putBoxed(object, String.prototype.valueOf.call(object), w);
  if (object instanceof Boolean) return putBoxed(object, Boolean.prototype.valueOf.call(object), w);
  if (object instanceof BigInt) return putBoxed(object, BigInt.prototype.valueOf.call(object), w);
  if (object instanceof Symbol) {
    throw new Unsendable("is a Symbol object, which cannot be sent to another process");
  }
  if (isShareable(object)) {
    throw new Unsendable(
      `is a shared ${kindName(object)}, which cannot travel inside a message ${INSIDE}: ` +
        `${SHARE_INSTEAD}`,
    );
  }
  if (object instanceof SharedArrayBuffer) {
    throw new Unsendable(
      `is a SharedArrayBuffer, which cannot travel inside a message ${INSIDE}: ` +
        `${SHARE_INSTEAD}`,
    );
  }
  const type = (proto as { constructor?: unknown } | null)?.constructor;
  if (typeof type === "function" && isNative(type)) {
    throw new Unsendable(
      `is a ${type.name}, which cannot be sent through a Queue or Pipe: send plain data`,
    );
  }
  throw new Unsendable(
    `is a ${(type as { name?: string } | undefined)?.name || "class"} instance, ` +
      "which would lose its methods in another process: send plain data",
  );
}

function isNative(fn: object): boolean {
  return /\[native code\]\s*\}$/.test(Function.prototype.toString.call(fn));
}

function putBoxed(object: object, value: unknown, w: Writer): void {
  number(object);
  w.room(1);
  w.u8[w.pos++] = T_BOXED;
  put(value, w);
}

// As structured clone does: the class from `name` (one of ERROR_TYPES, else
// Error), the own `message`, the `stack` if a string, the own `cause`.
function putError(error: Error, w: Writer): void {
  number(error);
  const message = Object.getOwnPropertyDescriptor(error, "message");
  const cause = Object.getOwnPropertyDescriptor(error, "cause");
  const name = String(error.name);
  const type = Math.max(0, ERROR_TYPES.findIndex((t) => t.name === name));
  const stack = error.stack;
  const hasMessage = message !== undefined && "value" in message;
  const hasCause = cause !== undefined && "value" in cause;
  w.room(3);
  w.u8[w.pos] = T_ERROR;
  w.u8[w.pos + 1] = type;
  w.u8[w.pos + 2] = (hasMessage ? ERROR_MESSAGE : 0) |
    (typeof stack === "string" ? ERROR_STACK : 0) | (hasCause ? ERROR_CAUSE : 0);
  w.pos += 3;
  if (hasMessage) putString(String(message.value), w);
  if (typeof stack === "string") putString(stack, w);
  if (hasCause) putAt(cause.value, w, ".cause");
}

function putView(view: ArrayBufferView, w: Writer): void {
  const name = view.constructor === Uint8Array
    ? "Uint8Array"
    : typedArrayName.call(view) as string | undefined;
  const kind = name === undefined ? 0 : VIEW_KIND.get(name);
  if (kind === undefined) {
    throw new Unsendable(`is a ${name}, which cannot be sent through a Queue or Pipe`);
  }
  const buffer = view.buffer;
  const length = kind === 0 ? view.byteLength : (view as Uint8Array).length;
  const shared = !(buffer instanceof ArrayBuffer);
  if (!shared && buffer.detached) {
    throw new Unsendable("is a view of a detached ArrayBuffer, which cannot be sent");
  }
  w.room(10);
  w.u8[w.pos] = T_VIEW;
  w.u8[w.pos + 1] = kind;
  // A view of shared memory gets a copy of just the bytes it sees.
  w.dv.setUint32(w.pos + 2, shared ? 0 : view.byteOffset, true);
  w.dv.setUint32(w.pos + 6, length, true);
  w.pos += 10;
  if (shared) {
    number({}); // the copy, numbered as the decoder numbers it
    putBytes(new Uint8Array(buffer, view.byteOffset, view.byteLength), false, 0, w);
  } else {
    if (!putRef(buffer, w)) {
      number(buffer);
      // A Uint8Array over the whole of its plain buffer is its bytes already.
      if (
        kind === 1 && view.byteOffset === 0 && view.byteLength === buffer.byteLength &&
        !buffer.resizable
      ) putBytes(view as Uint8Array, false, 0, w);
      else putBuffer(buffer, w);
    }
  }
  // Numbered after its buffer: the decoder makes the buffer first.
  number(view);
}

function putBuffer(buffer: ArrayBuffer, w: Writer): void {
  if (buffer.detached) throw new Unsendable("is a detached ArrayBuffer, which cannot be sent");
  putBytes(new Uint8Array(buffer), buffer.resizable, buffer.maxByteLength, w);
}

function putBytes(bytes: Uint8Array, resizable: boolean, max: number, w: Writer): void {
  const n = bytes.length;
  const head = resizable ? 10 : 6;
  // The bytes start 8-aligned in the writer's buffer (a channel's messages
  // start 8-aligned: see align8 in channel/channel.ts), so that copying
  // them in and out of shared memory goes 8 bytes a step. Short ones are
  // not worth the padding.
  const pad = n < 64 ? 0 : (-(w.pos + head)) & 7;
  w.room(head + pad + n);
  w.u8[w.pos] = T_BUFFER;
  w.dv.setUint32(w.pos + 1, n, true);
  w.u8[w.pos + 5] = (resizable ? 1 : 0) | (pad << 1);
  if (resizable) w.dv.setUint32(w.pos + 6, max, true);
  w.pos += head + pad;
  w.u8.set(bytes, w.pos);
  w.pos += n;
}

function putNumber(n: number, w: Writer): void {
  if ((n | 0) === n && !Object.is(n, -0)) {
    if (n >= -128 && n < 128) {
      w.room(2);
      w.u8[w.pos] = T_INT8;
      w.dv.setInt8(w.pos + 1, n);
      w.pos += 2;
      return;
    }
    w.room(5);
    w.u8[w.pos] = T_INT32;
    w.dv.setInt32(w.pos + 1, n, true);
    w.pos += 5;
    return;
  }
  w.room(9);
  w.u8[w.pos] = T_FLOAT64;
  w.dv.setFloat64(w.pos + 1, n, true);
  w.pos += 9;
}

const nativeWrites = runtime.nativeBufferWrites;
const utf8Write = Buffer.prototype.utf8Write as (
  this: Uint8Array,
  s: string,
  at: number,
  max: number,
) => number;

// Short strings are copied a character at a time (no call into the encoder
// for the commonest case); long ones by utf8Write where that is native, the
// others through encodeInto.
const SHORT_STRING = 64;
// The most UTF-8 bytes one character takes (a surrogate pair).
const MAX_CHAR_BYTES = 4;

function putString(s: string, w: Writer): void {
  const n = s.length;
  if (n <= SHORT_STRING) {
    w.room(5 + n);
    const u8 = w.u8;
    const at = w.pos + 5;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      u8[at + i] = c;
    }
    if (i === n) {
      u8[w.pos] = T_ASCII;
      w.dv.setUint32(w.pos + 1, n, true);
      w.pos = at + n;
      return;
    }
  }
  // UTF-8 would replace a lone surrogate by U+FFFD; structured clone keeps it.
  if (!s.isWellFormed()) return putUtf16(s, w);
  // One native call that writes the UTF-8 and counts it, allocating
  // nothing: 10,000 strings of 1 KiB sent to a pool made 1 MB of views and
  // results a map through encodeInto, and measuring the string first
  // (Buffer.byteLength) took Node longer than the copy. utf8Write never
  // writes part of a character, so a write that stopped more than a
  // character short of the room it had wrote the whole string; one that
  // did not (the room ran out: only where UTF-8 takes more bytes than the
  // string has characters) is done again below.
  if (nativeWrites) {
    w.room(5 + n + MAX_CHAR_BYTES);
    const at = w.pos + 5;
    const room = w.end - at;
    const written = utf8Write.call(w.u8, s, at, room);
    if (written + MAX_CHAR_BYTES <= room) {
      // All ASCII (a byte a character): read back without UTF-8 decoding.
      w.u8[w.pos] = written === n ? T_ASCII : T_UTF8;
      w.dv.setUint32(w.pos + 1, written, true);
      w.pos = at + written;
      return;
    }
  }
  // Most strings take a byte a character: ask for that much room first (a
  // fixed writer, the channel's, then fits a long ASCII message the first
  // time), and for the rest of the worst case, 3 bytes per UTF-16 unit, only
  // when the characters outrun it.
  w.room(5 + n);
  let { read, written } = encoder.encodeInto(s, w.u8.subarray(w.pos + 5, w.pos + 5 + n));
  if (read < n) {
    const rest = n - read;
    const before = w.u8;
    w.room(5 + written + 3 * rest);
    if (w.u8 === before) {
      const at = w.pos + 5 + written;
      written += encoder.encodeInto(s.substring(read), w.u8.subarray(at, at + 3 * rest)).written;
    } else {
      // A growing writer keeps only what is before `pos`: start over.
      ({ written } = encoder.encodeInto(s, w.u8.subarray(w.pos + 5, w.pos + 5 + 3 * n)));
    }
  }
  // All ASCII (a byte a character): read back without UTF-8 decoding.
  w.u8[w.pos] = written === n && read === n ? T_ASCII : T_UTF8;
  w.dv.setUint32(w.pos + 1, written, true);
  w.pos += 5 + written;
}

function putUtf16(s: string, w: Writer): void {
  const n = s.length;
  w.room(5 + 2 * n);
  w.u8[w.pos] = T_UTF16;
  w.dv.setUint32(w.pos + 1, n, true);
  w.pos += 5;
  for (let i = 0; i < n; i++) w.dv.setUint16(w.pos + 2 * i, s.charCodeAt(i), true);
  w.pos += 2 * n;
}

function putBigInt(b: bigint, w: Writer): void {
  const negative = b < 0n;
  let rest = negative ? -b : b;
  const words: bigint[] = [];
  while (rest > 0n) {
    words.push(rest & 0xffff_ffff_ffff_ffffn);
    rest >>= 64n;
  }
  w.room(6 + 8 * words.length);
  w.u8[w.pos] = T_BIGINT;
  w.u8[w.pos + 1] = negative ? 1 : 0;
  w.dv.setUint32(w.pos + 2, words.length, true);
  w.pos += 6;
  for (const word of words) {
    w.dv.setBigUint64(w.pos, word, true);
    w.pos += 8;
  }
}

function fnName(fn: unknown): string {
  const name = (fn as { name?: string }).name;
  return name ? `the function ${name}` : "a function";
}

function kindName(object: object): string {
  return (object as { constructor?: { name?: string } }).constructor?.name || "object";
}

function keyText(key: unknown): string {
  if (typeof key === "string") return JSON.stringify(key);
  if (typeof key === "bigint") return `${key}n`;
  if (typeof key === "object" && key !== null) return "<object>";
  return String(key);
}
