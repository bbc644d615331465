/**
 * What the three runtimes share: their `node:` compatibility modules give
 * the same answers for CPU count, pid and exit, and the worker side of a
 * worker looks the same from inside once the two kinds (Web Worker and
 * `node:worker_threads`) are told apart.
 *
 * @module
 */

import { availableParallelism } from "node:os";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { isMainThread, parentPort, Worker as ThreadWorker, workerData } from "node:worker_threads";
import type { SpawnOptions, WorkerHandle, WorkerSide } from "./types.ts";

/** The number of logical CPUs. */
export function cpuCount(): number {
  return availableParallelism();
}

/** The OS process id. */
export function pid(): number {
  return process.pid;
}

/** Ends the whole program with `code`. */
export function exitProgram(code: number): never {
  process.exit(code);
}

/** A path or URL as a URL string. */
export function toUrl(pathOrUrl: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(pathOrUrl) && !/^[a-z]:[\\/]/i.test(pathOrUrl)
    ? pathOrUrl
    : pathToFileURL(pathOrUrl).href;
}

type WebScope = {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  close?(): void;
};

interface WebWorkerScopeCtor {
  new (): unknown;
}

// A Deno Web Worker has isMainThread true (it is not a worker_threads
// worker), and Bun's workers are not WorkerGlobalScope instances: only both
// tests together are right everywhere.
const inThreadWorker = !isMainThread;
const WorkerGlobalScope = (globalThis as { WorkerGlobalScope?: WebWorkerScopeCtor })
  .WorkerGlobalScope;
const inWebWorker = typeof WorkerGlobalScope === "function" &&
  globalThis instanceof WorkerGlobalScope;

/** The worker side, the same in every runtime. */
export const workerSide: WorkerSide = {
  isWorker(): boolean {
    return inThreadWorker || inWebWorker;
  },
  startData: once(() => {
    if (inThreadWorker && workerData !== null && workerData !== undefined) {
      return Promise.resolve(workerData);
    }
    // Registered synchronously, before any await of the caller: a Web Worker
    // drops messages that arrive before its first listener.
    return new Promise<unknown>((resolve) => {
      let first = true;
      listen((message) => {
        if (first) {
          first = false;
          resolve(message);
        } else {
          for (const listener of parentListeners) listener(message);
        }
      });
    });
  }),
  postToParent(message: unknown): void {
    if (parentPort) parentPort.postMessage(message);
    else (globalThis as unknown as WebScope).postMessage(message);
  },
  onParentMessage(listener: (message: unknown) => void): void {
    parentListeners.push(listener);
    if (inThreadWorker && workerData !== null && workerData !== undefined && !portListening) {
      portListening = true;
      listen((message) => {
        for (const each of parentListeners) each(message);
      });
    }
  },
  exitWorker(code: number): void {
    if (inThreadWorker || !inWebWorker) {
      // Ends only this thread; Node flushes the worker's stdio first.
      process.exit(code);
    } else {
      (globalThis as unknown as WebScope).close?.();
    }
  },
  onUncaught(listener: (error: unknown) => void): void {
    let reported = false;
    const report = (error: unknown) => {
      // Deno and Bun may deliver one error both as an event and to process.on.
      if (reported) return;
      reported = true;
      listener(error);
    };
    process.on("uncaughtException", report);
    process.on("unhandledRejection", report);
    const scope = globalThis as unknown as {
      addEventListener?(type: string, fn: (event: Event) => void): void;
    };
    if (inWebWorker && scope.addEventListener) {
      scope.addEventListener("error", (event) => {
        event.preventDefault();
        report((event as ErrorEvent).error ?? new Error((event as ErrorEvent).message));
      });
      scope.addEventListener("unhandledrejection", (event) => {
        event.preventDefault();
        report((event as PromiseRejectionEvent).reason);
      });
    }
  },
  onExitCall(listener: (code: number) => void): void {
    const exit = process.exit.bind(process);
    const wrapped = (code?: number | string | null): never => {
      const value = Number(code ?? process.exitCode ?? 0) | 0;
      listener(value);
      return exit(value);
    };
    process.exit = wrapped as typeof process.exit;
    const deno = (globalThis as { Deno?: { exit(code?: number): never } }).Deno;
    if (deno) {
      const denoExit = deno.exit.bind(deno);
      deno.exit = (code?: number): never => {
        listener((code ?? 0) | 0);
        return denoExit(code);
      };
    }
  },
};

const parentListeners: Array<(message: unknown) => void> = [];
let portListening = false;

function listen(listener: (message: unknown) => void): void {
  if (parentPort) parentPort.on("message", listener);
  else (globalThis as unknown as WebScope).addEventListener("message", (e) => listener(e.data));
}

function once<T>(fn: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) (value = fn(), done = true);
    return value;
  };
}

/** Starts a `node:worker_threads` worker (Node, and unrefable workers in Deno). */
export function spawnThread(url: URL, data: unknown, options: SpawnOptions): WorkerHandle {
  // Deno's URL type and @types/node's differ only in typing; both runtimes
  // take a URL object here.
  const target = url as unknown as ConstructorParameters<typeof ThreadWorker>[0];
  const worker = new ThreadWorker(target, { workerData: data, name: options.name });
  const exited = new Promise<number | null>((resolve) => worker.once("exit", resolve));
  return {
    post: (message) => worker.postMessage(message),
    onMessage: (listener) => void worker.on("message", listener),
    onError: (listener) => void worker.on("error", listener),
    exited,
    reportsExit: true,
    terminate: () => void worker.terminate(),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  };
}

/** The subset of a Web Worker the adapters use. */
export interface WebWorker {
  postMessage(message: unknown): void;
  addEventListener(type: string, listener: (event: Event & { data?: unknown }) => void): void;
  terminate(): void;
  ref?(): void;
  unref?(): void;
}

/** The Web Worker constructor, where the runtime has one. */
export type WebWorkerCtor = new (url: URL, options: { type: "module"; name: string }) => WebWorker;

/** The global Web Worker constructor. */
export function webWorkerCtor(): WebWorkerCtor {
  return (globalThis as unknown as { Worker: WebWorkerCtor }).Worker;
}

/** The parts of a Web Worker handle that Deno's and Bun's share. */
export function webHandle(
  worker: WebWorker,
  data: unknown,
  exited: Promise<number | null>,
  reportsExit: boolean,
): WorkerHandle {
  const errorListeners: Array<(error: unknown) => void> = [];
  worker.addEventListener("error", (event) => {
    // Without this, an error escaping a Deno Web Worker ends the main program.
    event.preventDefault();
    const { error, message } = event as ErrorEvent;
    for (const listener of errorListeners) listener(error ?? new Error(message));
  });
  worker.postMessage(data);
  return {
    post: (message) => worker.postMessage(message),
    onMessage: (listener) => worker.addEventListener("message", (event) => listener(event.data)),
    onError: (listener) => void errorListeners.push(listener),
    exited,
    reportsExit,
    terminate: () => worker.terminate(),
    ref: () => worker.ref?.(),
    unref: () => worker.unref?.(),
  };
}
