/**
 * The codec's wire format: one tag byte per value, then what the tag says
 * (lengths are little-endian u32). Shared by `_codec.ts` (encoding) and
 * `_codec_decode.ts`.
 *
 * @module
 */

// One byte per value says what follows. Lengths are little-endian u32.
export const T_UNDEFINED = 0;
export const T_NULL = 1;
export const T_FALSE = 2;
export const T_TRUE = 3;
/** int8 in one byte: the commonest numbers in one byte plus the tag. */
export const T_INT8 = 4;
/** int32, 4 bytes. */
export const T_INT32 = 5;
/** float64, 8 bytes (also -0, NaN and the infinities). */
export const T_FLOAT64 = 6;
/** u32 length, then that many one-byte (< 0x80) characters. */
export const T_ASCII = 7;
/** u32 byte length, then UTF-8. */
export const T_UTF8 = 8;
/** u8 sign, u32 count of 64-bit words, then the words, least significant first. */
export const T_BIGINT = 9;
/** u32 length, then the elements (holes read back as undefined). */
export const T_ARRAY = 10;
/** u32 count, then count × (key string, value). */
export const T_OBJECT = 11;
/** u8 kind (TYPED_KINDS index), u32 byte length, then the bytes. */
export const T_TYPED = 12;
/** float64 time value. */
export const T_DATE = 13;
/** u32 length, then `node:v8` serialize output. */
export const T_V8 = 14;
/** u32 length in UTF-16 code units, then the units (little-endian): strings with lone surrogates. */
export const T_UTF16 = 15;

// The index in this list is the kind byte of T_TYPED.
export type ViewClass = {
  new (buffer: ArrayBuffer, offset?: number, length?: number): ArrayBufferView;
};
export const TYPED_KINDS: ViewClass[] = [
  DataView,
  Uint8Array,
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];
export const KIND_ARRAYBUFFER = 255;
