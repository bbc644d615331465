/**
 * The codec's decoding side (see `_codec.ts`): values are read straight out
 * of the channel's shared buffer.
 *
 * @module
 */

import { deserialize } from "node:v8";
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

const decoder = new TextDecoder();

/** A cursor over bytes that values are decoded from. */
export class Reader {
  /** Bytes read from. */
  u8: Uint8Array;
  /** The same bytes, for numbers. */
  dv: DataView;
  /** Next byte to read. */
  pos = 0;

  /** A reader over `u8` (its whole buffer, so that positions are absolute). */
  constructor(u8: Uint8Array) {
    this.u8 = u8;
    this.dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
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

/** Decodes one value at `r.pos`, moving `r.pos` past it. */
export function decode(r: Reader): unknown {
  const u8 = r.u8;
  const tag = u8[r.pos++];
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
      const n = r.dv.getUint32(r.pos, true);
      r.pos += 4;
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = decode(r);
      return out;
    }
    case T_OBJECT: {
      const n = r.dv.getUint32(r.pos, true);
      r.pos += 4;
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const key = getString(r);
        const value = decode(r);
        // A key "__proto__" must become an own property, as structured clone makes it.
        if (key === "__proto__") {
          Object.defineProperty(out, key, {
            value,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else out[key] = value;
      }
      return out;
    }
    case T_TYPED:
      return getTyped(r);
    case T_DATE:
      r.pos += 8;
      return new Date(r.dv.getFloat64(r.pos - 8, true));
    case T_BIGINT:
      return getBigInt(r);
    case T_V8: {
      const n = r.dv.getUint32(r.pos, true);
      r.pos += 4;
      r.pos += n;
      // Copied out: deserialize straight from shared memory works in all
      // three runtimes, but the copy keeps a later writer from racing it.
      return deserialize(copyOut(u8, r.pos - n, n));
    }
  }
  throw new RangeError(`Corrupt message: unknown tag ${tag} at byte ${r.pos - 1}`);
}

function getString(r: Reader): string {
  const u8 = r.u8;
  const tag = u8[r.pos];
  const n = r.dv.getUint32(r.pos + 1, true);
  const at = r.pos + 5;
  r.pos = at + n;
  if (tag === T_ASCII) {
    if (n <= 16) {
      let s = "";
      for (let i = at; i < at + n; i++) s += String.fromCharCode(u8[i]);
      return s;
    }
    if (n <= 4096) {
      return String.fromCharCode.apply(null, u8.subarray(at, at + n) as unknown as number[]);
    }
  }
  if (tag === T_UTF16) {
    r.pos = at + 2 * n;
    return getUtf16(r.dv, at, n);
  }
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

function getTyped(r: Reader): unknown {
  const kind = r.u8[r.pos];
  const n = r.dv.getUint32(r.pos + 1, true);
  const at = r.pos + 5;
  r.pos = at + n;
  const bytes = copyOut(r.u8, at, n);
  if (kind === KIND_ARRAYBUFFER) return bytes.buffer;
  if (kind === 1) return bytes;
  const Type = TYPED_KINDS[kind];
  if (Type === DataView) return new DataView(bytes.buffer);
  const size = (Type as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  return new Type(bytes.buffer, 0, n / size);
}

function getBigInt(r: Reader): bigint {
  const negative = r.u8[r.pos] === 1;
  const n = r.dv.getUint32(r.pos + 1, true);
  r.pos += 5;
  let out = 0n;
  for (let i = n - 1; i >= 0; i--) {
    out = (out << 64n) | r.dv.getBigUint64(r.pos + 8 * i, true);
  }
  r.pos += 8 * n;
  return negative ? -out : out;
}

/**
 * The bytes a message carries for `recvBytes`: the bytes of a `Uint8Array`
 * message (what `sendBytes` sends), else the encoded message itself, as
 * Python's `recv_bytes` returns a pickled message's bytes.
 */
export function messageBytes(encoded: Uint8Array): Uint8Array {
  if (encoded[0] === T_TYPED && encoded[1] === 1) return encoded.subarray(6);
  return encoded;
}
