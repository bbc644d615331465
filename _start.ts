/**
 * Start methods: how a new process gets its worker. `"spawn"` (the default)
 * starts a new worker for each process, which then loads the bootstrap and
 * the target's module. `"forkserver"` keeps one worker started ahead, its
 * bootstrap already loaded and waiting for start data, so that `start()`
 * costs a message instead of a worker's start-up; as Python's forkserver,
 * it is opt-in and lives for the rest of the program (unref'd: it never
 * keeps the program alive).
 *
 * @module
 */

import { runtime, type SpawnOptions, type WorkerHandle } from "./runtime/mod.ts";

/** The start methods this library has. Python's `fork` cannot exist in JS. */
export type StartMethod = "spawn" | "forkserver";

const WORKER_URL = new URL("./_worker.ts", import.meta.url);

let method: StartMethod | undefined;
let warm: { handle: WorkerHandle; dead: boolean } | undefined;

/** The start method in force; `"spawn"` until one is set. */
export function startMethod(): StartMethod {
  return method ?? "spawn";
}

/** Whether a method was set (Python refuses a second set without `force`). */
export function startMethodSet(): boolean {
  return method !== undefined;
}

/** Sets the method; leaving forkserver ends its waiting worker. */
export function setMethod(next: StartMethod): void {
  method = next;
  if (next !== "forkserver" && warm) {
    warm.handle.terminate();
    warm = undefined;
  }
}

function prepareWarm(): void {
  if (warm && !warm.dead) return;
  const handle = runtime.spawn(WORKER_URL, undefined, { name: "forkserver", unrefable: true });
  handle.unref();
  const entry = { handle, dead: false };
  handle.exited.then(() => (entry.dead = true));
  handle.onError(() => (entry.dead = true));
  warm = entry;
}

/** A worker running the bootstrap, given `data` as its start data. */
export function startWorker(data: unknown, options: SpawnOptions): WorkerHandle {
  if (startMethod() !== "forkserver") return runtime.spawn(WORKER_URL, data, options);
  let handle: WorkerHandle;
  if (warm && !warm.dead) {
    handle = warm.handle;
    handle.post(data);
  } else {
    handle = runtime.spawn(WORKER_URL, data, options);
  }
  warm = undefined;
  // The next one starts while this one runs, on another core.
  prepareWarm();
  return handle;
}
