/**
 * The errors of named shared memory, Python's built-in `FileExistsError`
 * and `FileNotFoundError` (a POSIX shared-memory block is a file there).
 *
 * @module
 */

/**
 * Thrown when `new SharedMemory({ name, create: true })` names a block that
 * exists. Python's `FileExistsError`.
 *
 * @example Catching a taken name
 * ```ts
 * import { FileExistsError, SharedMemory } from "@tsmp/multiprocessing";
 *
 * using a = new SharedMemory({ name: "taken", create: true, size: 8 });
 * try {
 *   new SharedMemory({ name: "taken", create: true, size: 8 });
 * } catch (error) {
 *   console.log(error instanceof FileExistsError); // true
 * }
 * a.unlink();
 * ```
 */
export class FileExistsError extends Error {
  /**
   * Makes the error for a shared memory name that is already taken.
   *
   * @param message What exists.
   * @param options `cause`, as for `Error`.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "FileExistsError";
  }
}

/**
 * Thrown when a `SharedMemory` name is attached to or unlinked but no such
 * block exists. Python's `FileNotFoundError`.
 *
 * @example Attaching to a name nobody created
 * ```ts
 * import { FileNotFoundError, SharedMemory } from "@tsmp/multiprocessing";
 *
 * try {
 *   new SharedMemory({ name: "nobody" });
 * } catch (error) {
 *   console.log(error instanceof FileNotFoundError); // true
 * }
 * ```
 */
export class FileNotFoundError extends Error {
  /**
   * Makes the error for a shared memory name that no block has.
   *
   * @param message What was not found.
   * @param options `cause`, as for `Error`.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "FileNotFoundError";
  }
}
