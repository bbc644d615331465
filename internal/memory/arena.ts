/**
 * The arena: one growable `SharedArrayBuffer` for a whole process tree,
 * handed to every child at start (as the process table is), from which
 * named `SharedMemory` blocks and the Manager's containers are carved. A
 * `SharedArrayBuffer` can reach another thread only by message, so a block
 * that any process can attach to by name, at any time, must live in memory
 * every process already holds: this one.
 *
 * Blocks follow one another from HEADER_BYTES to TOP, each a BLOCK_BYTES
 * header then its payload (the name first, for a named block). A block is
 * published by one store (STATE = USED, or TOP past it), so a process killed
 * while allocating leaves nothing half-made: the arena lock is then taken
 * over, and the block it was writing stays free or beyond TOP.
 *
 * @module
 */

import { lock, unlock } from "../channel/lock.ts";
import { currentSlot } from "../process/table.ts";

// Header words (Int32).
/** The arena lock: owner slot + 1, 0 when free (see channel/lock.ts). */
const LOCK = 0;
// LOCK + 1 counts its sleepers.
/** Byte offset of the end of the last block. */
const TOP = 2;
/** Bytes before the first block. */
const HEADER_BYTES = 64;

// Words of a block header, at its byte offset / 4.
/** FREE or USED; a block is published by this store. */
const STATE = 0;
/** Payload capacity in bytes (a multiple of 8); never changes once set. */
const CAP = 1;
/** Length of the name in bytes (0: unnamed). The name is the payload's start. */
const NAME_LEN = 2;
/** Open handles of a SharedMemory block. */
const REFS = 3;
/** The size the block was asked for, in bytes. */
const SIZE = 4;
/** 1 once a named block is unlinked (its name no longer found). */
const UNLINKED = 5;
/** Bytes of a block header. */
export const BLOCK_BYTES = 32;

const FREE = 0;
const USED = 1;

const INITIAL_BYTES = 1 << 20;
/** The most bytes the arena can hold: the limit on a tree's shared memory. */
export const MAX_BYTES = 2 ** 31;
/** The longest name, in UTF-8 bytes. */
export const MAX_NAME = 255;

interface Arena {
  sab: SharedArrayBuffer;
  /** Fixed-length views of the arena as this thread last saw it (V8 is several times slower through length-tracking views of a growable buffer); remade when it has grown. */
  i32: Int32Array;
  u8: Uint8Array;
  /** The length the views cover. */
  length: number;
}

// On globalThis, as the process table is: two copies of the library in one
// thread share one arena.
const KEY = Symbol.for("@tsmp/multiprocessing.arena");
type Holder = { [KEY]?: Arena };

function make(sab: SharedArrayBuffer): Arena {
  const a = { sab, i32: new Int32Array(0), u8: new Uint8Array(0), length: -1 };
  refresh(a);
  return a;
}

function refresh(a: Arena): void {
  const length = a.sab.byteLength;
  a.i32 = new Int32Array(a.sab, 0, length >> 2);
  a.u8 = new Uint8Array(a.sab, 0, length);
  a.length = length;
}

/** This tree's arena (the main process makes it on first use), its views up to date. */
export function arena(): Arena {
  const holder = globalThis as Holder;
  let a = holder[KEY];
  if (!a) {
    a = holder[KEY] = make(new SharedArrayBuffer(INITIAL_BYTES, { maxByteLength: MAX_BYTES }));
    Atomics.store(a.i32, TOP, HEADER_BYTES);
  }
  if (a.sab.byteLength !== a.length) refresh(a);
  return a;
}

/** The arena's buffer, handed to every child at start. */
export function arenaBuffer(): SharedArrayBuffer {
  return arena().sab;
}

/** Makes `sab` this thread's arena (child side, at start). */
export function adoptArena(sab: SharedArrayBuffer): void {
  (globalThis as Holder)[KEY] = make(sab);
}

/** Runs `fn` holding the arena lock. */
export function withArenaLock<T>(fn: (a: Arena) => T): T {
  const a = arena();
  lock(a.i32, LOCK, currentSlot() + 1);
  try {
    // Another process may have grown the arena while we waited.
    return fn(arena());
  } finally {
    unlock(a.i32, LOCK);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** A name's UTF-8 bytes; throws for an empty or too long one. */
export function nameBytes(name: string): Uint8Array {
  const bytes = encoder.encode(name);
  if (bytes.length === 0 || bytes.length > MAX_NAME) {
    throw new RangeError(`'name' must be 1 to ${MAX_NAME} bytes of UTF-8, got ${bytes.length}`);
  }
  return bytes;
}

function nameAt(a: Arena, block: number): Uint8Array {
  const len = a.i32[(block >> 2) + NAME_LEN];
  return a.u8.subarray(block + BLOCK_BYTES, block + BLOCK_BYTES + len);
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** The used, not unlinked block named `name`, or -1. Call holding the arena lock. */
export function findBlock(a: Arena, name: Uint8Array): number {
  const top = Atomics.load(a.i32, TOP);
  for (let b = HEADER_BYTES; b < top; b += BLOCK_BYTES + a.i32[(b >> 2) + CAP]) {
    const w = b >> 2;
    if (a.i32[w + STATE] === USED && a.i32[w + UNLINKED] === 0 && sameBytes(nameAt(a, b), name)) {
      return b;
    }
  }
  return -1;
}

/**
 * Carves a zero-filled block of `size` bytes (named `name`, if given) and
 * returns its offset. Call holding the arena lock; the caller has checked
 * that the name is free.
 */
export function allocBlock(a: Arena, size: number, name?: Uint8Array): number {
  const nameRoom = name ? align8(name.length) : 0;
  const need = align8(Math.max(size, 1)) + nameRoom;
  let block = -1;
  const top = Atomics.load(a.i32, TOP);
  // First fit among freed blocks not much larger than needed (no splitting).
  for (let b = HEADER_BYTES; b < top; b += BLOCK_BYTES + a.i32[(b >> 2) + CAP]) {
    const cap = a.i32[(b >> 2) + CAP];
    if (a.i32[(b >> 2) + STATE] === FREE && cap >= need && cap <= 2 * need + 4096) {
      block = b;
      break;
    }
  }
  const fresh = block < 0;
  if (fresh) {
    block = top;
    const end = block + BLOCK_BYTES + need;
    if (end > MAX_BYTES) {
      throw new RangeError(
        `Shared memory is full: ${size} more bytes do not fit in the ${MAX_BYTES} bytes ` +
          "a process tree can share",
      );
    }
    if (a.sab.byteLength < end) {
      a.sab.grow(Math.min(MAX_BYTES, Math.max(end, a.sab.byteLength * 2)));
    }
    if (a.sab.byteLength !== a.length) refresh(a);
    a.i32[(block >> 2) + CAP] = need;
  }
  const w = block >> 2;
  a.u8.fill(0, block + BLOCK_BYTES, block + BLOCK_BYTES + a.i32[w + CAP]);
  a.i32[w + NAME_LEN] = name ? name.length : 0;
  if (name) a.u8.set(name, block + BLOCK_BYTES);
  a.i32[w + REFS] = 0;
  a.i32[w + SIZE] = size;
  a.i32[w + UNLINKED] = 0;
  // Publish: the block is whole before it is USED (and before TOP passes it).
  Atomics.store(a.i32, w + STATE, USED);
  if (fresh) Atomics.store(a.i32, TOP, block + BLOCK_BYTES + need);
  return block;
}

/** Returns a block to the arena. Call holding the arena lock. */
export function freeBlock(a: Arena, block: number): void {
  Atomics.store(a.i32, (block >> 2) + STATE, FREE);
}

/** Byte offset of a block's data (after its name). */
export function dataOffset(a: Arena, block: number): number {
  return block + BLOCK_BYTES + align8(a.i32[(block >> 2) + NAME_LEN]);
}

/** The size a block was asked for. */
export function blockSize(a: Arena, block: number): number {
  return a.i32[(block >> 2) + SIZE];
}

/** A block's name. */
export function blockName(a: Arena, block: number): string {
  return decoder.decode(nameAt(a, block));
}

/** Adds `by` to a block's open handles; returns the new count. Call holding the arena lock. */
export function addRef(a: Arena, block: number, by: number): number {
  return a.i32[(block >> 2) + REFS] += by;
}

/** Whether a block was unlinked. */
export function isUnlinked(a: Arena, block: number): boolean {
  return a.i32[(block >> 2) + UNLINKED] === 1;
}

/** Marks a block unlinked (its name is then free). Call holding the arena lock. */
export function markUnlinked(a: Arena, block: number): void {
  a.i32[(block >> 2) + UNLINKED] = 1;
}
