/**
 * `SharedMemory`: a named block of the tree's arena (see `arena.ts`), with
 * Python's create / attach / close / unlink. Re-exported by
 * `shared_memory.ts`.
 *
 * @module
 */

import {
  addRef,
  allocBlock,
  arena,
  blockName,
  blockSize,
  dataOffset,
  findBlock,
  freeBlock,
  isUnlinked,
  markUnlinked,
  MAX_BYTES,
  nameBytes,
  withArenaLock,
} from "./arena.ts";
import { FileExistsError, FileNotFoundError } from "./errors.ts";
import { registerShareable, type SharedRef, shareSymbol } from "../shareable.ts";
import { describe } from "../wait/futex.ts";
import { checkAlive } from "../process/table.ts";
import { printAsString } from "../inspect.ts";

/** Options for {@linkcode SharedMemory}. */
export interface SharedMemoryOptions {
  /** The block's name; a fresh `psm_…` name when creating without one. @default {undefined} */
  name?: string | null;
  /** Whether to create a new block (else attach to the one named). @default {false} */
  create?: boolean;
  /** Bytes of a new block (ignored when attaching, as in Python). @default {0} */
  size?: number;
}

const KEYS = new Set(["name", "create", "size"]);

function checkOptions(
  options: SharedMemoryOptions,
): { name?: string; create: boolean; size: number } {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`'options' must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key)) {
      throw new TypeError(`Unknown option '${key}' (expected 'name', 'create' or 'size')`);
    }
  }
  const { name, create = false, size = 0 } = options;
  if (name !== undefined && name !== null && typeof name !== "string") {
    throw new TypeError(`'name' must be a string, got ${describe(name)}`);
  }
  if (typeof create !== "boolean") {
    throw new TypeError(`'create' must be a boolean, got ${describe(create)}`);
  }
  if (typeof size !== "number") {
    throw new TypeError(`'size' must be a number, got ${describe(size)}`);
  }
  if (!Number.isInteger(size) || size < 0) {
    throw new RangeError(`'size' must be a non-negative integer, got ${size}`);
  }
  if (create && size === 0) {
    throw new RangeError("'size' must be a positive number of bytes when creating a block");
  }
  if (size > MAX_BYTES) {
    throw new RangeError(`'size' must be at most ${MAX_BYTES} bytes, got ${size}`);
  }
  if ((name === undefined || name === null) && !create) {
    throw new TypeError("'name' can only be left out when 'create' is true");
  }
  return { name: name ?? undefined, create, size };
}

function freshName(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return "psm_" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A named block of shared memory: Python's
 * `multiprocessing.shared_memory.SharedMemory`. One process creates it
 * (`create: true`), any process of the tree attaches to it by name (or gets
 * it in a process's `args`); `buf` is a `Uint8Array` over the same bytes in
 * every process. `close()` lets go of this handle; `unlink()` removes the
 * name, and the memory is reused once every handle is closed. A new block is
 * zero-filled.
 *
 * Unlike Python's, a block never outlives the program (there is no
 * resource tracker to warn about leaks: there are none), and a block
 * unlinked while a killed process still held it is reclaimed at the
 * program's end.
 *
 * @example Workers fill a block created by the parent
 * ```ts
 * import { Process, SharedMemory } from "@tsmp/multiprocessing";
 *
 * export function fill(name: string, at: number): void {
 *   using shm = new SharedMemory({ name });
 *   shm.buf[at] = at + 1;
 * }
 *
 * if (import.meta.main) {
 *   using shm = new SharedMemory({ create: true, size: 4 });
 *   const ps = [0, 1, 2, 3].map((i) => new Process({ target: fill, args: [shm.name, i] }));
 *   for (const p of ps) p.start();
 *   for (const p of ps) await p.join();
 *   console.log([...shm.buf]); // [ 1, 2, 3, 4 ]
 *   shm.unlink();
 * }
 * ```
 */
export class SharedMemory implements Disposable {
  #block: number;
  #name: string;
  #size: number;
  #buf: Uint8Array | null;

  /**
   * Creates a block, or attaches to an existing one by name.
   *
   * @param options `name`, `create`, `size`.
   * @throws {FileExistsError} When creating a block whose name is taken.
   * @throws {FileNotFoundError} When attaching to a name no block has.
   * @throws {RangeError} For a size out of range (0 when creating, negative,
   * not an integer, past the tree's limit) or a name too long.
   * @throws {TypeError} For options of the wrong type, an unknown option, or
   * no name when attaching.
   */
  constructor(options: SharedMemoryOptions = {}) {
    const { name, create, size } = checkOptions(options);
    const a = arena();
    this.#block = withArenaLock((a) => {
      if (create) {
        let n = name ?? freshName();
        let bytes = nameBytes(n);
        while (name === undefined && findBlock(a, bytes) >= 0) bytes = nameBytes(n = freshName());
        if (findBlock(a, bytes) >= 0) throw new FileExistsError(`File exists: '${n}'`);
        const block = allocBlock(a, size, bytes);
        addRef(a, block, 1);
        return block;
      }
      const block = findBlock(a, nameBytes(name!));
      if (block < 0) throw new FileNotFoundError(`No such file or directory: '${name}'`);
      addRef(a, block, 1);
      return block;
    });
    this.#name = blockName(a, this.#block);
    this.#size = blockSize(a, this.#block);
    this.#buf = new Uint8Array(a.sab, dataOffset(a, this.#block), this.#size);
  }

  /** The block's name, to attach to it from another process. */
  get name(): string {
    return this.#name;
  }

  /** The block's size in bytes. */
  get size(): number {
    return this.#size;
  }

  /**
   * The block's bytes, the same memory in every process that attached.
   *
   * @throws {Error} After `close()`.
   */
  get buf(): Uint8Array {
    checkAlive();
    if (!this.#buf) throw new Error("SharedMemory is closed");
    return this.#buf;
  }

  /**
   * Lets go of this handle (`buf` then throws). The block stays for the
   * others until it is unlinked and every handle is closed. Closing twice
   * is allowed.
   */
  close(): void {
    if (!this.#buf) return;
    this.#buf = null;
    withArenaLock((a) => {
      if (addRef(a, this.#block, -1) <= 0 && isUnlinked(a, this.#block)) freeBlock(a, this.#block);
    });
  }

  /**
   * Removes the block's name (later attaches throw `FileNotFoundError`); the
   * memory is reused once every handle is closed. Call it once, in one
   * process, as in Python.
   *
   * @throws {FileNotFoundError} If the block was already unlinked.
   */
  unlink(): void {
    withArenaLock((a) => {
      if (findBlock(a, nameBytes(this.#name)) !== this.#block) {
        throw new FileNotFoundError(`No such file or directory: '${this.#name}'`);
      }
      markUnlinked(a, this.#block);
      if (addRef(a, this.#block, 0) <= 0) freeBlock(a, this.#block);
    });
  }

  /** Closes the handle (for `using`). */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Sends the handle to another process, which attaches by name (as Python pickles it). */
  [shareSymbol](): SharedRef {
    return { kind: "SharedMemory", module: import.meta.url, state: this.#name };
  }

  /**
   * Python's repr of a `SharedMemory`.
   *
   * @returns `SharedMemory("psm_...", size=100)`.
   */
  toString(): string {
    return `SharedMemory(${JSON.stringify(this.#name)}, size=${this.#size})`;
  }
}

printAsString(SharedMemory);

registerShareable("SharedMemory", (name) => new SharedMemory({ name: name as string }));
