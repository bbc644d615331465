/**
 * Python's `multiprocessing.shared_memory`: {@linkcode SharedMemory}, a
 * named block of bytes any process in the tree can attach to by name, and
 * {@linkcode ShareableList}, a fixed-size list of numbers, bigints, strings,
 * bytes, booleans and nulls stored in one.
 *
 * The blocks live in one shared arena the whole process tree holds (a
 * `SharedArrayBuffer` can only reach another thread by message, so a block
 * attachable at any time must live in memory every process already has).
 * Names belong to the tree, not to the operating system: nothing outlives
 * the program, and nothing leaks past it.
 *
 * @module
 */

export { FileExistsError, FileNotFoundError } from "./internal/memory/errors.ts";
export { SharedMemory, type SharedMemoryOptions } from "./internal/memory/shared_memory.ts";
export { type ShareableItem, ShareableList } from "./internal/memory/shareable_list.ts";
