/**
 * How pool messages travel. A message is put on its channel as a value
 * (the codec writes it straight into the ring, through fixed-length views,
 * as fast as into private memory) and taken off as its bytes
 * (`tryGet("reused")`: one bulk copy into a buffer each side reuses, so no
 * garbage per message) that {@linkcode unpack} decodes at once: reading
 * many small strings and objects out of a `SharedArrayBuffer` costs up to
 * 3x reading them from private memory in Deno and Bun, while the copy costs
 * ~0.05 ns a byte. A chunk's items and results travel as the codec's
 * `Items` (numbers as one run of float64s, each other item numbered on its
 * own), a starmap's argument lists as its `Rows`.
 *
 * @module
 */

import { decode, encode, Reader, Writer } from "../codec/encode.ts";

// Kept between messages so that its buffer is not regrown each time; dropped
// after an unusually large message so that one huge map does not pin memory.
let writer = new Writer();
const KEEP_BYTES = 16 << 20;

/**
 * Encodes `value` privately (to learn whether it can be sent). The bytes
 * returned are valid until the next call.
 *
 * @throws {TypeError} naming the path (from `root`) of a value that cannot be sent.
 */
export function pack(value: unknown, root: string): Uint8Array {
  if (writer.u8.length > KEEP_BYTES) writer = new Writer();
  writer.pos = 0;
  encode(value, writer, root);
  return writer.u8.subarray(0, writer.pos);
}

/** Decodes a message's bytes (a private copy, as `tryGet("reused")` hands it out). */
export function unpack(bytes: Uint8Array): unknown {
  return decode(new Reader(bytes));
}
