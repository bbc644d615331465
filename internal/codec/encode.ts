/**
 * The compact codec the message channel writes its messages with: the common
 * values (numbers, strings, booleans, null/undefined, bigint, plain arrays
 * and objects, typed arrays, `ArrayBuffer`, `Date`) are written straight
 * into the destination bytes — the channel's `SharedArrayBuffer` — and read
 * straight back out of it. Anything else structured clone carries (`Map`,
 * `Set`, `RegExp`, `Error`, cyclic graphs) goes through `node:v8`'s
 * `serialize`, which is slower and leaks in Deno 2.9, so it is kept off the
 * common path.
 *
 * Functions, symbols, class instances (which would lose their methods),
 * `SharedArrayBuffer`s and shared objects (a `Lock`, a `Queue`) are refused
 * with a `TypeError` that names the path of the offending value.
 *
 * @module
 */

import { serialize } from "node:v8";
import { isShareable } from "../shareable.ts";
import {
  KIND_ARRAYBUFFER,
  T_ARRAY,
  T_ASCII,
  T_BIGINT,
  T_DATE,
  T_FALSE,
  T_FLOAT64,
  T_INT32,
  T_INT8,
  T_NULL,
  T_OBJECT,
  T_TRUE,
  T_TYPED,
  T_UNDEFINED,
  T_UTF16,
  T_UTF8,
  T_V8,
  TYPED_KINDS,
} from "./tags.ts";

// Shared objects travel only where a worker is handed them at its start,
// as in Python ("share queues between processes through inheritance").
const INSIDE = "(a Queue or Pipe item, or a pool task's arguments)";
const SHARE_INSTEAD = "give it to a Process in its args, or to a pool's workers through " +
  "its initializer and initargs";

export { copyOut, decode, messageBytes, Reader } from "./decode.ts";

// Deeper than this, the value is assumed cyclic and goes to `node:v8` whole.
const MAX_DEPTH = 200;

// Objects structured clone carries whole that the codec leaves to `node:v8`.
const CLONEABLE: ReadonlyArray<abstract new (...args: never[]) => unknown> = [
  Map,
  Set,
  RegExp,
  Error,
  Boolean,
  Number,
  String,
];

/** Thrown (as this very object) when a fixed-size writer runs out of room. */
export const OVERFLOW: { readonly overflow: true } = Object.freeze({ overflow: true });

const TOO_DEEP = Object.freeze({ tooDeep: true });

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
    // view of a growable buffer (see _channel.ts).
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

/**
 * Encodes `value` at `w.pos`. Throws {@linkcode OVERFLOW} if a fixed writer
 * runs out of room (nothing is then valid past the start position), or a
 * `TypeError` naming the path (rooted at `root`) of a value that cannot be
 * sent.
 */
export function encode(value: unknown, w: Writer, root: string): void {
  const start = w.pos;
  try {
    put(value, w, 0);
  } catch (error) {
    if (error === TOO_DEEP) {
      w.pos = start;
      putV8(value, w, root);
      return;
    }
    if (error instanceof Unsendable) {
      const path = root + error.path.reverse().join("");
      throw new TypeError(`${path} ${error.what}`);
    }
    throw error;
  }
}

function put(value: unknown, w: Writer, depth: number): void {
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
  if (depth > MAX_DEPTH) throw TOO_DEEP;
  const object = value as object;
  if (Array.isArray(object)) {
    const n = object.length;
    w.room(5);
    w.u8[w.pos] = T_ARRAY;
    w.dv.setUint32(w.pos + 1, n, true);
    w.pos += 5;
    for (let i = 0; i < n; i++) {
      try {
        put(object[i], w, depth + 1);
      } catch (error) {
        if (error instanceof Unsendable) error.path.push(`[${i}]`);
        throw error;
      }
    }
    return;
  }
  const proto = Object.getPrototypeOf(object);
  if (proto === Object.prototype || proto === null) {
    const keys = Object.keys(object);
    w.room(5);
    w.u8[w.pos] = T_OBJECT;
    w.dv.setUint32(w.pos + 1, keys.length, true);
    w.pos += 5;
    for (const key of keys) {
      putString(key, w);
      try {
        put((object as Record<string, unknown>)[key], w, depth + 1);
      } catch (error) {
        if (error instanceof Unsendable) {
          error.path.push(/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);
        }
        throw error;
      }
    }
    return;
  }
  if (ArrayBuffer.isView(object)) return putTyped(object, w);
  if (object instanceof ArrayBuffer) {
    return putBytes(KIND_ARRAYBUFFER, new Uint8Array(object), w);
  }
  if (object instanceof Date) {
    w.room(9);
    w.u8[w.pos] = T_DATE;
    w.dv.setFloat64(w.pos + 1, object.getTime(), true);
    w.pos += 9;
    return;
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
  if (CLONEABLE.some((type) => object instanceof type)) return putV8(object, w, "");
  throw new Unsendable(
    `is a ${proto?.constructor?.name || "class"} instance, which would lose its methods ` +
      "in another process: send plain data",
  );
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

// Short strings are copied a character at a time (no call into the encoder
// for the commonest case); long or non-ASCII ones go through encodeInto.
const SHORT_STRING = 64;

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
  // UTF-8 takes at most 3 bytes per UTF-16 unit.
  w.room(5 + 3 * n);
  const { written } = encoder.encodeInto(s, w.u8.subarray(w.pos + 5, w.pos + 5 + 3 * n));
  w.u8[w.pos] = T_UTF8;
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

function putTyped(view: ArrayBufferView, w: Writer): void {
  if (view.constructor === Uint8Array) return putBytes(1, view as Uint8Array, w);
  // instanceof, not the constructor: a Node Buffer arrives as the
  // Uint8Array it is, as structured clone delivers it.
  let kind = TYPED_KINDS.findIndex((type) => view.constructor === type);
  if (kind < 0) kind = TYPED_KINDS.findIndex((type) => view instanceof type);
  // A kind this codec does not know (Float16Array, say): structured clone's.
  if (kind < 0) return putV8(view, w, "");
  putBytes(kind, new Uint8Array(view.buffer, view.byteOffset, view.byteLength), w);
}

function putBytes(kind: number, bytes: Uint8Array, w: Writer): void {
  const n = bytes.length;
  w.room(6 + n);
  w.u8[w.pos] = T_TYPED;
  w.u8[w.pos + 1] = kind;
  w.dv.setUint32(w.pos + 2, n, true);
  w.u8.set(bytes, w.pos + 6);
  w.pos += 6 + n;
}

function putV8(value: unknown, w: Writer, root: string): void {
  let bytes: Uint8Array;
  try {
    bytes = serialize(value);
  } catch (error) {
    const what = `cannot be sent to another process (${(error as Error).message})`;
    if (root) throw new TypeError(`${root} ${what}`, { cause: error });
    throw new Unsendable(what);
  }
  w.room(5 + bytes.length);
  w.u8[w.pos] = T_V8;
  w.dv.setUint32(w.pos + 1, bytes.length, true);
  w.u8.set(bytes, w.pos + 5);
  w.pos += 5 + bytes.length;
}

function fnName(fn: unknown): string {
  const name = (fn as { name?: string }).name;
  return name ? `the function ${name}` : "a function";
}

function kindName(object: object): string {
  return (object as { constructor?: { name?: string } }).constructor?.name || "object";
}
