/**
 * `node:worker_threads` workers, the kind Node and Deno use: they report
 * exit codes, can be unref'd, and `terminate()` stops a busy loop.
 *
 * @module
 */

import process from "node:process";
import type * as WorkerThreads from "node:worker_threads";
import type { SpawnOptions, WorkerHandle, WorkerSide } from "./types.ts";
import { builtin, onExitCall, onUncaught } from "./_common.ts";

const threads = (): typeof WorkerThreads => builtin("node:worker_threads");

/** Starts a worker on `url`, handing it `data` as its `workerData`. */
export function spawnThread(url: URL, data: unknown, options: SpawnOptions): WorkerHandle {
  // Deno's URL type and @types/node's differ only in typing; both runtimes
  // take a URL object here.
  const target = url as unknown as ConstructorParameters<typeof WorkerThreads.Worker>[0];
  const workerData = data === undefined ? null : data;
  const worker = new (threads().Worker)(target, { workerData, name: options.name });
  const exited = new Promise<number | null>((resolve) => worker.once("exit", resolve));
  return {
    post: (message) => worker.postMessage(message),
    onMessage: (listener) => void worker.on("message", listener),
    onError: (listener) => void worker.on("error", listener),
    exited,
    terminate: () => void worker.terminate(),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  };
}

/**
 * The worker side of a `node:worker_threads` worker, but for where its
 * output goes, which differs between Node and Deno.
 */
export const threadWorkerSide: Omit<WorkerSide, "directOutput"> = {
  // A Deno Web Worker has isMainThread true; this library starts none.
  isWorker: () => !threads().isMainThread,
  startData: () => {
    const { workerData, parentPort } = threads();
    if (workerData !== null && workerData !== undefined) return Promise.resolve(workerData);
    // A warm worker: its start data is the first message (a port queues
    // messages until it has a listener, so none is lost).
    return new Promise((resolve) => parentPort!.once("message", resolve));
  },
  postToParent: (message) => threads().parentPort!.postMessage(message),
  // Ends only this thread; Node flushes the worker's stdio first.
  exitWorker: (code) => void process.exit(code),
  onUncaught: (listener) => onUncaught(listener, false),
  onExitCall,
};
