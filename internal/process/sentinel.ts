/**
 * A process's sentinel: Python's `Process.sentinel`, the handle that
 * `connection.wait` reports ready once the process has ended.
 *
 * @module
 */

import { exitReady } from "./table.ts";
import { readySymbol, type ReadyWord, type Waitable } from "../wait/ready.ts";

/**
 * What `p.sentinel` gives: ready for `connectionWait` once the process has
 * ended, so that one wait can serve pipes, queues and the ends of processes.
 * Python's sentinel is a file descriptor; this is an object, the same one
 * each time for a process.
 *
 * @example Waiting for whichever child ends first
 * ```ts
 * import { connectionWait, Process } from "@tsmp/multiprocessing";
 *
 * export function nap(ms: number): Promise<void> {
 *   return new Promise((r) => setTimeout(r, ms));
 * }
 *
 * if (import.meta.main) {
 *   const ps = [60_000, 10].map((ms) => new Process({ target: nap, args: [ms] }));
 *   for (const p of ps) p.start();
 *   const [first] = await connectionWait(ps.map((p) => p.sentinel));
 *   console.log(first === ps[1].sentinel); // true
 *   ps[0].terminate();
 *   for (const p of ps) await p.join();
 * }
 * ```
 */
export class Sentinel implements Waitable {
  #slot: number;

  /**
   * Made by `Process.sentinel`.
   *
   * @param slot The process's slot in the process table.
   */
  constructor(slot: number) {
    this.#slot = slot;
  }

  /**
   * How `connectionWait` sees it.
   *
   * @returns The word and the check.
   */
  [readySymbol](): ReadyWord {
    return exitReady(this.#slot);
  }
}
