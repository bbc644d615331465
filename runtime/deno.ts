/**
 * Deno: every process is a `node:worker_threads` worker. Deno's Web Workers
 * start faster (~9 ms against ~27 ms) but cannot serve as processes: in
 * Deno 2.9.6 `terminate()` does not stop a Web Worker in a busy loop (it
 * goes on at 100% CPU and the program can never exit), and a Web Worker
 * cannot be unref'd and reports no exit, not even for `Deno.exit(3)`.
 *
 * @module
 */

import type { Runtime } from "./types.ts";
import { cpuCount, exitProgram, pid } from "./_common.ts";
import { endByParent, spawnThread, threadWorkerSide } from "./_threads.ts";

interface DenoNamespace {
  mainModule: string;
  build: { standalone?: boolean };
  exit(code: number): void;
}

const denoNs = (): DenoNamespace => (globalThis as unknown as { Deno: DenoNamespace }).Deno;

/**
 * `exitWorker` for Deno, which ends a thread whose process was declared
 * ended. In Deno 2.9, once the parent has called `terminate()`,
 * `process.exit()` in the worker spins for ever (it waits in a busy loop for
 * a termination that never comes) and `Deno.exit()` returns without ending
 * anything. So `Deno.exit()` (which ends the thread when the parent's
 * terminate has not come first), then, if it returns, the thread sleeps for
 * good on a word no one wakes: it never runs another line and uses no CPU,
 * and it does not keep the program alive.
 */
function exitDenoWorker(code: number): void {
  denoNs().exit(code);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

/** The Deno adapter. */
export const deno: Runtime = {
  name: "deno",
  spawn: spawnThread,
  // A Deno worker's output already goes straight to the program's.
  worker: {
    ...threadWorkerSide,
    directOutput: () => {},
    exitWorker: exitDenoWorker,
    endWorker: endByParent,
  },
  pid,
  cpuCount,
  mainModule: () => denoNs().mainModule,
  exitProgram,
  singleFileExecutable: () => (denoNs().build.standalone ? "deno compile" : null),
  stopsWorkers: false,
  warmAfterUse: true,
  nativeBufferWrites: false,
};
