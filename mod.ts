/**
 * Python's `multiprocessing` for TypeScript, on Deno, Bun and Node: `Process`,
 * `Queue`, `Pipe`, `Lock` and the other synchronization primitives, shared
 * values, `Pool` and the `concurrent.futures` executors. A worker is a
 * "process": its own isolate and heap, talking to the others through
 * messages and shared memory.
 *
 * A target is found in the worker by importing the module that exports it,
 * as Python's spawn re-imports the main module; keep the code that starts
 * processes inside `if (import.meta.main)`, as Python's
 * `if __name__ == "__main__":`.
 *
 * @example Start, join, read the exit code
 * ```ts
 * import { Process } from "@tsmp/multiprocessing";
 *
 * export function greet(name: string) {
 *   console.log(`hello ${name}`);
 * }
 *
 * if (import.meta.main) {
 *   const p = new Process({ target: greet, args: ["world"] });
 *   p.start();
 *   await p.join();
 *   console.log(p.exitcode); // 0
 * }
 * ```
 *
 * @module
 */

export * from "./process.ts";
export * from "./queue.ts";
export * from "./pipe.ts";
export * from "./lock.ts";
export * from "./shared.ts";
export * from "./pool.ts";
export * from "./futures.ts";
export * from "./context.ts";
export * from "./shared_memory.ts";
export * from "./manager.ts";
export {
  type ConnectionWaitOptions,
  wait as connectionWait,
  type Waitable,
  waitSync as connectionWaitSync,
} from "./connection.ts";
export type { SharedRef } from "./internal/shareable.ts";
