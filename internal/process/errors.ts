/**
 * The errors of `Process`, re-exported by `process.ts` (with the
 * cross-process ones of `internal/errors.ts`).
 *
 * @module
 */

/**
 * Raised by a `Process` method or property after `close()` released the
 * process object (Python raises `ValueError`).
 *
 * @example Using a closed process
 * ```ts
 * import { Process, ProcessClosedError } from "@tsmp/multiprocessing";
 *
 * export function work(): void {}
 *
 * if (import.meta.main) {
 *   const p = new Process({ target: work });
 *   p.start();
 *   await p.join();
 *   p.close();
 *   try {
 *     console.log(p.exitcode);
 *   } catch (error) {
 *     console.log(error instanceof ProcessClosedError); // true
 *   }
 * }
 * ```
 */
export class ProcessClosedError extends Error {
  /**
   * A `ProcessClosedError`.
   *
   * @param message What was closed.
   * @param options `cause`, as for `Error`.
   */
  constructor(message = "Process object is closed", options?: ErrorOptions) {
    super(message, options);
    this.name = "ProcessClosedError";
  }
}
