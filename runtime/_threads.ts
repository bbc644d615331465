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

// The young generation of each worker's heap, in MB. V8 sizes it from the
// machine's memory (192 MB on a 2-core, 23 GB VM), and a worker that turns
// over messages at full speed then keeps page-faulting its young generation
// back in: a pool mapping 1 KiB strings took ~500 page faults and 22 ms of
// CPU per map of 10,000 on Node, ~100 and 15 ms with this cap (24 ms to 17
// on Deno, whose node:worker_threads honours it too). Caps of 12 to 24 MB
// did equally well, up to 48 MB partly, 64 MB not at all; an
// allocation-heavy task (300,000 records built and sorted per call) ran as
// fast either way.
const YOUNG_GENERATION_MB = 24;

/**
 * Starts a worker on `url`, handing it `data` as its `workerData`; `env`,
 * if given, is the worker's `process.env` (else a copy of this thread's).
 */
export function spawnThread(
  url: URL,
  data: unknown,
  options: SpawnOptions,
  env?: Record<string, string | undefined>,
): WorkerHandle {
  // Deno's URL type and @types/node's differ only in typing; both runtimes
  // take a URL object here.
  const target = url as unknown as ConstructorParameters<typeof WorkerThreads.Worker>[0];
  const workerData = data === undefined ? null : data;
  const worker = new (threads().Worker)(target, {
    workerData,
    name: options.name,
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    ...(env && { env }),
  });
  const exited = new Promise<number | null>((resolve) => worker.once("exit", resolve));
  // A worker that asks to be ended (see endWorker) is terminated.
  worker.on("message", (message) => {
    if (isEnd(message)) void worker.terminate();
  });
  return {
    post: (message) => worker.postMessage(message),
    onMessage: (listener) =>
      void worker.on("message", (message) => {
        if (!isEnd(message)) listener(message);
      }),
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
  endWorker: (code) => void process.exit(code),
  onUncaught: (listener) => onUncaught(listener, false),
  onExitCall,
};

// What a worker posts to be ended by its parent (see endByParent).
const END = "@tsmp/multiprocessing.end";

function isEnd(message: unknown): boolean {
  return typeof message === "object" && message !== null && END in message;
}

/**
 * `endWorker` for Deno: asks the parent to terminate this worker instead of
 * calling `process.exit()`. Deno 2.9 never frees about 1 MB of a worker
 * that exits itself (more the more modules it loaded), and frees one its
 * parent terminates.
 */
export function endByParent(code: number): void {
  threads().parentPort!.postMessage({ [END]: code });
}
