/**
 * How pool messages are written to a channel: encoded by the compact codec
 * into private memory, then put on the channel as one byte string (and read
 * back the same way). The codec's per-value reads and writes run several
 * times slower on the views of a growable `SharedArrayBuffer` (the channel's
 * memory) than on an ordinary buffer in V8 and JavaScriptCore (measured
 * ~80 ns against ~4 ns per number), while copying a whole byte string in
 * or out is one bulk copy. A batch of 12,500 numbers thus costs a few
 * copies instead of 25,000 slow accesses.
 *
 * @module
 */

import { decode, encode, Reader, Writer } from "../codec/encode.ts";

// Kept between messages so that its buffer is not regrown each time; dropped
// after an unusually large message so that one huge map does not pin memory.
let writer = new Writer();
const KEEP_BYTES = 16 << 20;

/**
 * Encodes `value` privately. The bytes returned are valid until the next
 * call: put them on a channel (which copies them) at once.
 *
 * @throws {TypeError} naming the path (from `root`) of a value that cannot be sent.
 */
export function pack(value: unknown, root: string): Uint8Array {
  if (writer.u8.length > KEEP_BYTES) writer = new Writer();
  writer.pos = 0;
  encode(value, writer, root);
  return writer.u8.subarray(0, writer.pos);
}

/** Decodes bytes made by {@linkcode pack} (a private copy, as the channel hands it out). */
export function unpack(bytes: Uint8Array): unknown {
  return decode(new Reader(bytes));
}

// Arrays of this many numbers or more travel as a Float64Array: one bulk
// copy instead of a tag and a value per item.
const PACK_NUMBERS = 32;

/** `items` as a Float64Array when they are all numbers (and enough of them), else as is. */
export function packNumbers(items: unknown[]): unknown[] | Float64Array {
  const n = items.length;
  if (n < PACK_NUMBERS || !Array.isArray(items)) return items;
  for (let i = 0; i < n; i++) if (typeof items[i] !== "number") return items;
  return new Float64Array(items as number[]);
}
