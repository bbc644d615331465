/**
 * Web Workers, the kind Bun uses: they start in ~1.4 ms (its
 * node:worker_threads in ~9 ms), can be unref'd, and report an exit code in
 * their `close` event.
 *
 * @module
 */

import process from "node:process";
import type { SpawnOptions, WorkerHandle, WorkerSide } from "./types.ts";
import { onExitCall, onUncaught } from "./_common.ts";

interface WebWorker {
  postMessage(message: unknown): void;
  addEventListener(type: string, listener: (event: Event & { data?: unknown }) => void): void;
  terminate(): void;
  ref?(): void;
  unref?(): void;
}

type WebWorkerCtor = new (url: URL, options: { type: "module"; name: string }) => WebWorker;

interface WebScope {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
}

/** Starts a Web Worker on `url`; `data` is its first message. */
export function spawnWeb(url: URL, data: unknown, options: SpawnOptions): WorkerHandle {
  const Worker = (globalThis as unknown as { Worker: WebWorkerCtor }).Worker;
  const worker = new Worker(url, { type: "module", name: options.name });
  const exited = new Promise<number | null>((resolve) => {
    worker.addEventListener("close", (event) => resolve((event as CloseEvent).code ?? null));
  });
  const errorListeners: Array<(error: unknown) => void> = [];
  worker.addEventListener("error", (event) => {
    event.preventDefault();
    const { error, message } = event as ErrorEvent;
    for (const listener of errorListeners) listener(error ?? new Error(message));
  });
  if (data !== undefined) worker.postMessage(data);
  return {
    post: (message) => worker.postMessage(message),
    onMessage: (listener) => worker.addEventListener("message", (event) => listener(event.data)),
    onError: (listener) => void errorListeners.push(listener),
    exited,
    terminate: () => worker.terminate(),
    ref: () => worker.ref?.(),
    unref: () => worker.unref?.(),
  };
}

const scope = globalThis as unknown as WebScope;
let start: Promise<unknown> | undefined;

/** The worker side of a Web Worker; `isWorker` is the runtime's own answer. */
export function webWorkerSide(isWorker: () => boolean): WorkerSide {
  return {
    isWorker,
    startData() {
      // Registered synchronously, before the caller's first await: a Web
      // Worker drops messages that arrive before its first listener.
      start ??= new Promise<unknown>((resolve) => {
        scope.addEventListener("message", (event) => resolve(event.data));
      });
      return start;
    },
    postToParent: (message) => scope.postMessage(message),
    exitWorker: (code) => void process.exit(code),
    // A Web Worker's console already writes straight to the program's output.
    directOutput: () => {},
    endWorker: (code) => void process.exit(code),
    onUncaught: (listener) => onUncaught(listener, true),
    onExitCall,
  };
}
