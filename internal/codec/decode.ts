/**
 * The codec's decoding side (see `encode.ts` and the format in `tags.ts`):
 * values are read straight out of the channel's shared buffer. Every count
 * is checked against the bytes left, so bytes that are not an encoded
 * message (raw bytes that happen to start with `MAGIC` or `MAGIC_PLAIN`)
 * are found out in time linear in their length and handed back as bytes.
 *
 * @module
 */

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
  VIEW_KINDS,
  VIEW_NAMES,
} from "./tags.ts";
import { Buffer } from "node:buffer";

const decoder = new TextDecoder();
// One native call that makes a one-byte string of bytes (every runtime has
// node:buffer): no UTF-8 decoding for ASCII text.
const latin1Slice = Buffer.prototype.latin1Slice as (
  this: Uint8Array,
  from: number,
  to: number,
) => string;

/** A cursor over bytes that one message is decoded from. */
export class Reader {
  /** Bytes read from. */
  u8: Uint8Array;
  /** The same bytes, for numbers. */
  dv: DataView;
  /** Next byte to read. */
  pos = 0;
  /** First byte past the message. */
  end: number;

  /** A reader over `u8` (its whole buffer, so that positions are absolute), the message ending at `end`. */
  constructor(u8: Uint8Array, end: number = u8.length) {
    this.u8 = u8;
    this.dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
    this.end = end;
  }
}

/**
 * `n` bytes of `u8` from `at`, copied into a fresh, unshared, aligned
 * buffer. Not `slice()`: V8 copies a view of a `SharedArrayBuffer` out
 * through `slice()` element by element (~4 ns a byte), through `set()` in
 * bulk (~0.05 ns a byte).
 */
export function copyOut(u8: Uint8Array, at: number, n: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(n);
  bytes.set(u8.subarray(at, at + n));
  return bytes;
}

// Thrown (as this very object) when the bytes are not an encoded message.
const CORRUPT = Object.freeze({ corrupt: true });

// What a list reader throws in its place (decode() instead hands back the
// bytes): an Error, which says what happened wherever it is reported.
function surfaced(error: unknown): unknown {
  return error === CORRUPT
    ? new Error("A list's bytes are not a message this library encoded (they are corrupt)")
    : error;
}

// The objects of the messages being decoded, by number (see tags.ts), and
// their shapes' keys (see T_SHAPED). The message being decoded numbers its
// objects only if it starts with MAGIC (one starting with MAGIC_PLAIN
// refers to none); its numbers start at objectBase and its shapes at
// shapeBase: a message decoded while another is open (by the code run
// between the elements of a list read with openList) numbers above it.
const objects: unknown[] = [];
const shapes: string[][] = [];
let numbered = false;
let objectBase = 0;
let shapeBase = 0;

// In `objects`, the place of a Uint8Array's own buffer, read only if a
// reference names it: in JavaScriptCore, reading `.buffer` of a small typed
// array moves its bytes out to a buffer of their own (~0.9 µs a 1 KiB
// `Uint8Array` in Bun, a quarter of receiving it).
class BufferOf {
  readonly view: Uint8Array;
  constructor(view: Uint8Array) {
    this.view = view;
  }
}

/**
 * Decodes the message from `r.pos` to `r.end`, moving `r.pos` to its end:
 * its value, or, for a message of raw bytes, a copy of the bytes.
 */
export function decode(r: Reader): unknown {
  const start = r.pos;
  const end = r.end;
  const first = r.u8[start];
  if (start < end && (first === MAGIC || first === MAGIC_PLAIN)) {
    r.pos = start + 1;
    // The message open before this one (none, mostly): put back at the end.
    const outerNumbered = numbered;
    const outerObjects = objectBase;
    const outerShapes = shapeBase;
    open(first === MAGIC);
    try {
      const value = get(r);
      if (r.pos === end) return value;
    } catch (error) {
      // A DataView read past the end of the memory: not a message either.
      if (error !== CORRUPT && !(error instanceof RangeError)) throw error;
    } finally {
      close(outerNumbered, outerObjects, outerShapes);
    }
  }
  r.pos = end;
  const from = start < end && first === RAW ? start + 1 : start;
  return copyOut(r.u8, from, end - from);
}

// Starts decoding a message, numbering its objects or not, above the one
// open before it.
function open(numbers: boolean): void {
  numbered = numbers;
  objectBase = objects.length;
  shapeBase = shapes.length;
}

// Ends the message open() started (nothing of it stays reachable from here),
// and makes the one open before it current again.
function close(outerNumbered: boolean, outerObjects: number, outerShapes: number): void {
  if (objects.length > objectBase) objects.length = objectBase;
  if (shapes.length > shapeBase) shapes.length = shapeBase;
  numbered = outerNumbered;
  objectBase = outerObjects;
  shapeBase = outerShapes;
}

/**
 * A list in a message, read an element at a time: where decoding the whole
 * message makes every element first, `next()` decodes the next one, and an
 * element its reader is done with can be collected at once. (A pool worker
 * runs a chunk's items one after another: the strings or objects of a whole
 * chunk, alive together, made every young-generation collection copy them.)
 */
export interface ListReader {
  /** The number of elements. */
  readonly length: number;
  /** Decodes the next element. */
  next(): unknown;
  /** Reads past the elements not taken and ends the message. */
  done(): void;
}

/**
 * A message nested in the one decoded ({@linkcode T_NESTED}): its bytes,
 * unread and not copied (a view of the outer message's bytes, valid as long
 * as they are).
 */
export class NestedBytes {
  /** The nested message. */
  readonly bytes: Uint8Array;
  /** Wraps `bytes` (not copied). */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
}

/**
 * Opens the message `bytes`, whose value is a list (a plain array, or the
 * T_ITEMS of an `Items`, or the T_ROWS of a `Rows`), and returns a reader
 * over its elements. The message stays open until `done()` (other messages
 * may be decoded meanwhile). A message that numbers its objects (something
 * in it is met twice) is decoded whole, and the reader hands out its list.
 */
export function openList(bytes: Uint8Array): ListReader {
  try {
    return openListOf(bytes);
  } catch (error) {
    throw surfaced(error);
  }
}

function openListOf(bytes: Uint8Array): ListReader {
  const r = new Reader(bytes);
  if (bytes[0] === MAGIC_PLAIN) {
    r.pos = 1;
    const outerNumbered = numbered;
    const outerObjects = objectBase;
    const outerShapes = shapeBase;
    open(false);
    // What runs between the elements opens and closes messages of its own
    // above this one: this one is the current message again whenever an
    // element is read.
    const leave = () => close(outerNumbered, outerObjects, outerShapes);
    try {
      return listReader(r, leave);
    } catch (error) {
      leave();
      throw error;
    }
  }
  const list = decode(r);
  if (!Array.isArray(list)) throw CORRUPT;
  let i = 0;
  return {
    length: list.length,
    next: () => {
      if (i >= list.length) throw surfaced(CORRUPT);
      return list[i++];
    },
    done: () => {},
  };
}

function listReader(r: Reader, leave: () => void): ListReader {
  const tag = r.u8[r.pos++];
  let n: number;
  // The rows' width (0: not rows), and how many elements the run of
  // float64s a T_NUMBERS or T_ROWS list starts with holds.
  let width = 0;
  let numbers = 0;
  if (tag === T_ARRAY) n = count(r);
  else if (tag === T_NUMBERS || tag === T_ITEMS || tag === T_ROWS) {
    [n, width, numbers] = runHead(r, tag === T_ROWS);
  } else throw CORRUPT;
  let taken = 0;
  let element = 0;
  let closed = false;
  const one = (): unknown => {
    if (element++ < numbers) {
      r.pos += 8;
      return r.dv.getFloat64(r.pos - 8, true);
    }
    // Only a T_NUMBERS or T_ITEMS list has holes. (Nothing is numbered
    // here: its elements need no numbering of their own.)
    if (tag !== T_ROWS && r.u8[r.pos] === T_HOLE) {
      r.pos++;
      return undefined;
    }
    return get(r);
  };
  const reader: ListReader = {
    length: n,
    next(): unknown {
      if (taken >= n || closed) throw surfaced(CORRUPT);
      taken++;
      try {
        if (width === 0) return one();
        const row = new Array(width);
        for (let j = 0; j < width; j++) row[j] = one();
        return row;
      } catch (error) {
        throw surfaced(error);
      }
    },
    done(): void {
      if (closed) return;
      try {
        while (taken < n) reader.next();
        if (r.pos !== r.end) throw surfaced(CORRUPT);
      } finally {
        closed = true;
        leave();
      }
    },
  };
  return reader;
}

/**
 * The head of a T_NUMBERS list or of T_ROWS rows, after the tag: the count
 * (of elements; of rows), the rows' width (0 for a list) and how many
 * elements the run of float64s after the head holds, checked against the
 * bytes left.
 */
function runHead(r: Reader, rows: boolean): [n: number, width: number, numbers: number] {
  const n = count(r);
  let width = 0;
  if (rows) {
    width = r.dv.getUint32(r.pos, true);
    r.pos += 4;
    if (width === 0) throw CORRUPT;
  }
  const numbers = r.dv.getUint32(r.pos, true);
  r.pos += 4;
  if (numbers > n * Math.max(width, 1) || 8 * numbers > r.end - r.pos) throw CORRUPT;
  return [n, width, numbers];
}

/**
 * The bytes a message carries for `recvBytes`: what `sendBytes` sent, or
 * the encoded message itself (as Python's `recv_bytes` returns a pickled
 * message's bytes), which `sendBytes` carries back to a message.
 */
export function messageBytes(message: Uint8Array): Uint8Array {
  return message.length > 0 && message[0] === RAW ? message.subarray(1) : message;
}

// A count of things each at least one byte long, checked against what is left.
function count(r: Reader): number {
  const n = r.dv.getUint32(r.pos, true);
  r.pos += 4;
  if (n > r.end - r.pos) throw CORRUPT;
  return n;
}

function get(r: Reader): unknown {
  if (r.pos >= r.end) throw CORRUPT;
  const tag = r.u8[r.pos++];
  switch (tag) {
    case T_INT8:
      return r.dv.getInt8(r.pos++);
    case T_INT32:
      r.pos += 4;
      return r.dv.getInt32(r.pos - 4, true);
    case T_FLOAT64:
      r.pos += 8;
      return r.dv.getFloat64(r.pos - 8, true);
    case T_ASCII:
    case T_UTF8:
    case T_UTF16:
      r.pos--;
      return getString(r);
    case T_UNDEFINED:
      return undefined;
    case T_NULL:
      return null;
    case T_FALSE:
      return false;
    case T_TRUE:
      return true;
    case T_ARRAY: {
      const n = count(r);
      const out = new Array(n);
      if (numbered) objects.push(out);
      for (let i = 0; i < n; i++) out[i] = get(r);
      return out;
    }
    case T_OBJECT: {
      const n = count(r);
      const out: Record<string, unknown> = {};
      if (numbered) objects.push(out);
      for (let i = 0; i < n; i++) {
        const key = getString(r);
        setKey(out, key, get(r));
      }
      return out;
    }
    case T_NUMBERS:
    case T_ITEMS: {
      const [n, , m] = runHead(r, false);
      const out = new Array(n);
      if (numbered) objects.push(out);
      const dv = r.dv;
      let at = r.pos;
      for (let i = 0; i < m; i++, at += 8) out[i] = dv.getFloat64(at, true);
      r.pos = at;
      const alone = tag === T_ITEMS && numbered;
      for (let i = m; i < n; i++) {
        if (r.u8[r.pos] === T_HOLE) r.pos++;
        else out[i] = alone ? getAlone(r) : get(r);
      }
      return out;
    }
    case T_ROWS: {
      const [n, width, m] = runHead(r, true);
      const out = new Array(n);
      if (numbered) objects.push(out);
      const dv = r.dv;
      let at = r.pos;
      let k = 0;
      // Each row's objects are numbered on their own (see getAlone).
      const outer = objectBase;
      const after = objects.length;
      try {
        for (let i = 0; i < n; i++) {
          const row = new Array(width);
          out[i] = row;
          if (numbered) {
            objects.length = after;
            objectBase = after;
          }
          for (let j = 0; j < width; j++, k++) {
            if (k < m) {
              row[j] = dv.getFloat64(at, true);
              at += 8;
            } else {
              r.pos = at;
              row[j] = get(r);
              at = r.pos;
            }
          }
        }
      } finally {
        objects.length = after;
        objectBase = outer;
      }
      r.pos = at;
      return out;
    }
    case T_SHAPED: {
      const id = r.dv.getUint32(r.pos, true);
      r.pos += 4;
      let keys = shapes[shapeBase + id];
      if (keys === undefined) {
        if (id !== shapes.length - shapeBase) throw CORRUPT;
        const n = count(r);
        keys = new Array(n);
        for (let i = 0; i < n; i++) keys[i] = getString(r);
        shapes.push(keys);
      }
      const out: Record<string, unknown> = {};
      if (numbered) objects.push(out);
      for (let i = 0; i < keys.length; i++) setKey(out, keys[i], get(r));
      return out;
    }
    case T_REF: {
      const id = r.dv.getUint32(r.pos, true);
      r.pos += 4;
      if (!numbered || id >= objects.length - objectBase) throw CORRUPT;
      const found = objects[objectBase + id];
      return found instanceof BufferOf ? found.view.buffer : found;
    }
    case T_ARRAY_KEYS: {
      const n = count(r);
      const out = new Array(n);
      if (numbered) objects.push(out);
      for (let i = 0; i < n; i++) {
        if (r.u8[r.pos] === T_HOLE) r.pos++;
        else out[i] = get(r);
      }
      getKeys(r, out);
      return out;
    }
    case T_SPARSE: {
      const n = r.dv.getUint32(r.pos, true);
      r.pos += 4;
      const m = count(r);
      const out: unknown[] = [];
      out.length = n;
      if (numbered) objects.push(out);
      for (let j = 0; j < m; j++) {
        const i = r.dv.getUint32(r.pos, true);
        r.pos += 4;
        if (i >= n) throw CORRUPT;
        out[i] = get(r);
      }
      getKeys(r, out);
      return out;
    }
    case T_VIEW:
      return getView(r);
    case T_BUFFER: {
      const buffer = getBuffer(r);
      if (numbered) objects.push(buffer);
      return buffer;
    }
    case T_DATE: {
      r.pos += 8;
      const date = new Date(r.dv.getFloat64(r.pos - 8, true));
      if (numbered) objects.push(date);
      return date;
    }
    case T_REGEXP: {
      const source = getString(r);
      const flags = getString(r);
      let regexp: RegExp;
      try {
        regexp = new RegExp(source, flags);
      } catch {
        throw CORRUPT;
      }
      if (numbered) objects.push(regexp);
      return regexp;
    }
    case T_MAP: {
      const n = count(r);
      const out = new Map();
      if (numbered) objects.push(out);
      for (let i = 0; i < n; i++) {
        const key = get(r);
        out.set(key, get(r));
      }
      return out;
    }
    case T_SET: {
      const n = count(r);
      const out = new Set();
      if (numbered) objects.push(out);
      for (let i = 0; i < n; i++) out.add(get(r));
      return out;
    }
    case T_ERROR:
      return getError(r);
    case T_BOXED: {
      const at = objects.length;
      if (numbered) objects.push(undefined);
      const value = get(r);
      if (typeof value === "object" || typeof value === "undefined") throw CORRUPT;
      const boxed = Object(value);
      if (numbered) objects[at] = boxed;
      return boxed;
    }
    case T_DOMEXCEPTION: {
      const name = getString(r);
      const message = getString(r);
      const error = new DOMException(message, name);
      if (r.u8[r.pos++] === 1) {
        Object.defineProperty(error, "stack", {
          value: getString(r),
          writable: true,
          configurable: true,
        });
      }
      if (numbered) objects.push(error);
      return error;
    }
    case T_BIGINT:
      return getBigInt(r);
    case T_NESTED: {
      const n = count(r);
      r.pos += n;
      return new NestedBytes(r.u8.subarray(r.pos - n, r.pos));
    }
  }
  throw CORRUPT;
}

/** An element of a T_ITEMS list: numbered on its own, from zero, and forgotten after. */
function getAlone(r: Reader): unknown {
  const outer = objectBase;
  objectBase = objects.length;
  try {
    return get(r);
  } finally {
    objects.length = objectBase;
    objectBase = outer;
  }
}

// A key "__proto__" must become an own property, as structured clone makes it.
function setKey(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else out[key] = value;
}

function getKeys(r: Reader, out: unknown[]): void {
  const n = count(r);
  for (let i = 0; i < n; i++) {
    const key = getString(r);
    if (key === "length") throw CORRUPT;
    setKey(out as unknown as Record<string, unknown>, key, get(r));
  }
}

function getString(r: Reader): string {
  const u8 = r.u8;
  const tag = u8[r.pos];
  const n = r.dv.getUint32(r.pos + 1, true);
  const at = r.pos + 5;
  const bytes = tag === T_UTF16 ? 2 * n : n;
  if (bytes > r.end - at || (tag !== T_ASCII && tag !== T_UTF8 && tag !== T_UTF16)) {
    throw CORRUPT;
  }
  r.pos = at + bytes;
  // Short ASCII a character at a time; anything longer by one native
  // latin1 slice, whose fixed cost is less than the per-character cost
  // above that (and than UTF-8 decoding, which ASCII does not need).
  if (tag === T_ASCII) {
    if (n <= 16) {
      let s = "";
      for (let i = at; i < at + n; i++) s += String.fromCharCode(u8[i]);
      return s;
    }
    return latin1Slice.call(u8, at, at + n);
  }
  if (tag === T_UTF16) return getUtf16(r.dv, at, n);
  return decoder.decode(u8.subarray(at, at + n));
}

// Code units are gathered in chunks (apply's argument count is bounded).
function getUtf16(dv: DataView, at: number, n: number): string {
  let s = "";
  const chunk: number[] = [];
  for (let i = 0; i < n; i++) {
    chunk.push(dv.getUint16(at + 2 * i, true));
    if (chunk.length === 4096 || i === n - 1) {
      s += String.fromCharCode.apply(null, chunk);
      chunk.length = 0;
    }
  }
  return s;
}

function getBuffer(r: Reader): ArrayBuffer {
  const n = count(r);
  const flags = r.u8[r.pos++];
  if (flags > 15) throw CORRUPT;
  if ((flags & 1) === 1) {
    const max = r.dv.getUint32(r.pos, true);
    r.pos += 4 + (flags >> 1);
    if (max < n || n > r.end - r.pos) throw CORRUPT;
    const buffer = new ArrayBuffer(n, { maxByteLength: max });
    new Uint8Array(buffer).set(r.u8.subarray(r.pos, r.pos + n));
    r.pos += n;
    return buffer;
  }
  r.pos += flags >> 1;
  if (n > r.end - r.pos) throw CORRUPT;
  const bytes = copyOut(r.u8, r.pos, n);
  r.pos += n;
  return bytes.buffer;
}

function getView(r: Reader): ArrayBufferView {
  const kind = r.u8[r.pos];
  const offset = r.dv.getUint32(r.pos + 1, true);
  const length = r.dv.getUint32(r.pos + 5, true);
  r.pos += 9;
  if (kind >= VIEW_KINDS.length) throw CORRUPT;
  const flags = r.u8[r.pos + 5];
  if (kind === 1 && offset === 0 && r.u8[r.pos] === T_BUFFER && (flags & 1) === 0 && flags < 16) {
    // The commonest view, a Uint8Array over the whole of its plain buffer:
    // the copy of the bytes is that view already.
    const n = r.dv.getUint32(r.pos + 1, true);
    const at = r.pos + 6 + (flags >> 1);
    if (n === length && n <= r.end - at) {
      const view = copyOut(r.u8, at, n);
      r.pos = at + n;
      if (numbered) objects.push(new BufferOf(view), view);
      return view;
    }
  }
  const buffer = get(r);
  if (!(buffer instanceof ArrayBuffer)) throw CORRUPT;
  const Type = VIEW_KINDS[kind];
  if (Type === undefined) {
    throw new TypeError(`A message holds a ${VIEW_NAMES[kind]}, which this runtime does not have`);
  }
  const size = kind === 0
    ? 1
    : (Type as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  if (offset % size !== 0 || offset + length * size > buffer.byteLength) throw CORRUPT;
  const view = new Type(buffer, offset, length);
  if (numbered) objects.push(view);
  return view;
}

const ERROR_FIELDS = ERROR_MESSAGE | ERROR_STACK | ERROR_CAUSE;

function getError(r: Reader): Error {
  const type = r.u8[r.pos];
  const fields = r.u8[r.pos + 1];
  r.pos += 2;
  if (type >= ERROR_TYPES.length || (fields & ~ERROR_FIELDS) !== 0) throw CORRUPT;
  const message = fields & ERROR_MESSAGE ? getString(r) : undefined;
  const stack = fields & ERROR_STACK ? getString(r) : undefined;
  const Type = ERROR_TYPES[type];
  const error = message === undefined ? new Type() : new Type(message);
  // structured clone leaves no stack where the original had none.
  error.stack = stack;
  if (numbered) objects.push(error);
  if (fields & ERROR_CAUSE) {
    Object.defineProperty(error, "cause", {
      value: get(r),
      writable: true,
      configurable: true,
    });
  }
  return error;
}

function getBigInt(r: Reader): bigint {
  const negative = r.u8[r.pos] === 1;
  const n = r.dv.getUint32(r.pos + 1, true);
  r.pos += 5;
  if (8 * n > r.end - r.pos) throw CORRUPT;
  let out = 0n;
  for (let i = n - 1; i >= 0; i--) {
    out = (out << 64n) | r.dv.getBigUint64(r.pos + 8 * i, true);
  }
  r.pos += 8 * n;
  return negative ? -out : out;
}
