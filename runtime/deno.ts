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
}

const denoNs = (): DenoNamespace => (globalThis as unknown as { Deno: DenoNamespace }).Deno;

/** The Deno adapter. */
export const deno: Runtime = {
  name: "deno",
  spawn: spawnThread,
  // A Deno worker's output already goes straight to the program's.
  worker: { ...threadWorkerSide, directOutput: () => {}, endWorker: endByParent },
  pid,
  cpuCount,
  mainModule: () => denoNs().mainModule,
  exitProgram,
  singleFileExecutable: () => (denoNs().build.standalone ? "deno compile" : null),
  stopsWorkers: false,
};
