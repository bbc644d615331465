/**
 * Shared values and arrays, Python's `multiprocessing.sharedctypes`:
 * {@linkcode Value} and {@linkcode SharedArray} (Python's `Array`, renamed so
 * as not to shadow the global) guard every access with a lock (a fresh
 * `RLock` unless told otherwise); {@linkcode RawValue} and
 * {@linkcode RawArray} have none. They live in a `SharedArrayBuffer`, so
 * every process they are passed to sees the same memory.
 *
 * Typecodes are Python's: `b B h H i I` (8-, 16- and 32-bit integers,
 * `number`), `l L q Q` (64-bit integers, `bigint`; `l`/`L` are 64-bit as on
 * Linux), `f d` (32- and 64-bit floats). Integers wrap on overflow as
 * ctypes does; a value of the wrong type is a `TypeError`.
 *
 * @example A counter under its own lock
 * ```ts
 * import { Process, Value } from "@tsmp/multiprocessing";
 *
 * export function add(counter: Value<"i">) {
 *   for (let i = 0; i < 1000; i++) counter.getLock().withLockSync(() => counter.value += 1);
 * }
 *
 * if (import.meta.main) {
 *   const counter = new Value("i", 0);
 *   const ps = [0, 1].map(() => new Process({ target: add, args: [counter] }));
 *   for (const p of ps) p.start();
 *   for (const p of ps) await p.join();
 *   console.log(counter.value); // 2000
 * }
 * ```
 *
 * @module
 */

export type {
  BigTypecode,
  ElementOf,
  SharedOptions,
  Typecode,
} from "./internal/shared/typecodes.ts";
export { RawValue, Value } from "./internal/shared/value.ts";
export { RawArray, SharedArray } from "./internal/shared/array.ts";
