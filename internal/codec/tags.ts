/**
 * The codec's wire format, shared by `encode.ts` and `decode.ts`.
 *
 * A message is {@linkcode MAGIC}, then one value. A value is one tag byte,
 * then what the tag says (lengths and counts are little-endian u32). Every
 * object (anything not a primitive) is numbered in the order it is first
 * met, on both sides; meeting it again writes {@linkcode T_REF} and its
 * number, so shared and cyclic references come back as they were, and the
 * cost is linear in the distinct objects; a message with no such reference
 * starts with {@linkcode MAGIC_PLAIN} instead, and nothing is numbered.
 * Bytes that start with neither are a message of raw bytes (what
 * `sendBytes` sends).
 *
 * @module
 */

/** First byte of every encoded message: never valid in UTF-8, so text sent as bytes is not taken for one. */
export const MAGIC = 0xf5;
/**
 * First byte of an encoded message that holds no {@linkcode T_REF}: nothing
 * in it is met twice, so the decoder numbers nothing (it keeps no table of
 * the message's objects, and each object it makes can be collected as soon
 * as its reader is done with it). Never valid in UTF-8 either.
 */
export const MAGIC_PLAIN = 0xf7;
/**
 * First byte of a message of raw bytes that are empty or start with this
 * byte themselves (others are carried as they are): it is not part of them.
 */
export const RAW = 0xf6;

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
/** u32 byte length, then UTF-8 (well-formed strings only). */
export const T_UTF8 = 8;
/** u8 sign, u32 count of 64-bit words, then the words, least significant first. */
export const T_BIGINT = 9;
/** An array without holes or other keys: u32 length, then the elements. */
export const T_ARRAY = 10;
/** u32 count, then count × (key string, value). */
export const T_OBJECT = 11;
/**
 * A typed array or DataView: u8 kind (VIEW_KINDS index), u32 byte offset,
 * u32 length (elements; bytes for a DataView), then its buffer (a
 * {@linkcode T_BUFFER} or a {@linkcode T_REF} to one). Numbered after its buffer.
 */
export const T_VIEW = 12;
/** float64 time value. */
export const T_DATE = 13;
/** u32 length in UTF-16 code units, then the units (little-endian): strings with lone surrogates. */
export const T_UTF16 = 15;
/** An array element that is a hole. */
export const T_HOLE = 16;
/** An array with holes or other keys: as T_ARRAY, then u32 count and count × (key, value). */
export const T_ARRAY_KEYS = 17;
/** A sparse array: u32 length, u32 count, count × (u32 index, value), then u32 count and (key, value)s. */
export const T_SPARSE = 18;
/** u32 number of an object met before. */
export const T_REF = 19;
/**
 * ArrayBuffer: u32 byte length, u8 flags (bit 0: resizable, then a u32 max
 * byte length follows; bits 1-3: how many bytes of padding come before the
 * bytes, which aligns them), then the bytes.
 */
export const T_BUFFER = 20;
/** u32 count, then count × (key, value). */
export const T_MAP = 21;
/** u32 count, then the members. */
export const T_SET = 22;
/** source string, flags string. */
export const T_REGEXP = 23;
/**
 * u8 constructor (ERROR_TYPES index), u8 fields present (ERROR_MESSAGE,
 * ERROR_STACK, ERROR_CAUSE), then the message string, the stack string and
 * the cause value, those present.
 */
export const T_ERROR = 24;
/** A boxed primitive (`Object(1n)`, `new String("s")`): then the primitive. */
export const T_BOXED = 25;
/** name string, message string, u8 1 if a stack string follows. */
export const T_DOMEXCEPTION = 26;
/**
 * An array with no keys but its indices: u32 length, u32 count of the
 * numbers it starts with, those numbers as float64s, then the other
 * elements ({@linkcode T_HOLE} for a hole). One bounds check and no tag per
 * number: a pool's chunk of numbers (or its results) costs a copy, not a
 * decision per item.
 */
export const T_NUMBERS = 27;
/**
 * A plain object whose own keys, in order, are a shape: u32 shape number,
 * then one value per key. Shapes are numbered per message in the order
 * first met; a shape met for the first time (its number is the count so
 * far) is followed by u32 key count and the keys. An array of records sends
 * and reads its keys once, not once per record.
 */
export const T_SHAPED = 28;
/**
 * Rows of the same width (a starmap's argument lists), whose identity and
 * other keys do not matter: u32 rows, u32 width (at least 1), then the
 * rows' elements one after another as the elements of a
 * {@linkcode T_NUMBERS} (u32 count of the numbers they start with, those as
 * float64s, then the others). The rows are not numbered; the list is.
 */
export const T_ROWS = 29;
/**
 * A message inside the message: u32 byte length, then a whole message (its
 * own MAGIC or MAGIC_PLAIN, its own numbering). Decoded as its bytes, unread,
 * for the receiver to read when it wants (a pool worker reads a chunk an
 * item at a time).
 */
export const T_NESTED = 30;
/**
 * The list of an `Items` (a pool's chunk of items, or of results): as
 * {@linkcode T_NUMBERS}, but each element after the run is numbered on its
 * own, as if it were a message of its own: its objects are numbered from
 * zero, and a {@linkcode T_REF} in it names one of them. So one element's
 * objects are never looked for in another's, and none outlives its element
 * in the decoder's table.
 */
export const T_ITEMS = 31;

export const ERROR_MESSAGE = 1;
export const ERROR_STACK = 2;
export const ERROR_CAUSE = 4;

/**
 * The error classes structured clone keeps (by the error's `name`); any
 * other error comes back as an `Error`, as it does from `structuredClone`.
 */
export const ERROR_TYPES: ErrorConstructor[] = [
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
];

/** A typed array or DataView class. */
export type ViewClass = {
  new (buffer: ArrayBuffer, offset?: number, length?: number): ArrayBufferView;
};

// The index in this list is the kind byte of T_VIEW. Float16Array is last:
// a runtime without it refuses that kind by name.
const float16 = (globalThis as { Float16Array?: ViewClass }).Float16Array;
export const VIEW_NAMES: string[] = [
  "DataView",
  "Uint8Array",
  "Int8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
  "Float16Array",
];
export const VIEW_KINDS: Array<ViewClass | undefined> = [
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
  float16,
];
