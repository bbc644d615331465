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

import { runtime, type SpawnOptions, type WorkerHandle, workerSide } from "../../runtime/mod.ts";
import { existingThreadState } from "./state.ts";
import { describe } from "../wait/futex.ts";
import { ownModule } from "../target/resolve.ts";
import { optionsOf } from "../options.ts";

/** The start methods this library has. Python's `fork` cannot exist in JS. */
export type StartMethod = "spawn" | "forkserver";

const WORKER_URL = ownModule("internal/process/bootstrap");

let current: StartMethod | undefined;
let warm: { handle: WorkerHandle; dead: boolean } | undefined;
// Counts the times the program left forkserver: a warm worker asked for
// before then is not made after.
let epoch = 0;

/** Sets the method; leaving forkserver ends its waiting worker. */
function setMethod(next: StartMethod): void {
  current = next;
  if (next !== "forkserver") {
    // No new warm worker either (one may be queued or due).
    epoch++;
    dropQueuedWarm();
    warm?.handle.terminate();
    warm = undefined;
  }
}

/** Whether a warm worker is waiting or queued to be made (for the tests). */
export function warmWorkerAhead(): boolean {
  return (warm !== undefined && !warm.dead) || spawnQueue.includes(prepareWarm);
}

function dropQueuedWarm(): void {
  for (let i; (i = spawnQueue.indexOf(prepareWarm)) >= 0;) spawnQueue.splice(i, 1);
}

function prepareWarm(): void {
  if (warm && !warm.dead) return;
  const handle = runtime.spawn(WORKER_URL, undefined, { name: "forkserver" });
  handle.unref();
  const entry = { handle, dead: false };
  handle.exited.then(() => (entry.dead = true));
  handle.onError(() => (entry.dead = true));
  warm = entry;
}

// Creating a worker blocks the thread that creates it (tens of ms, more
// under load). A forkserver start() never does it inline: it takes the warm
// worker if there is one, else queues its spawn; queued spawns, and the next
// warm worker, are made one per macrotask, so that the event loop runs
// between them however many processes are started in one go.
const spawnQueue: Array<() => void> = [];
let spawnTimer: ReturnType<typeof setTimeout> | undefined;

function later(spawn: () => void): void {
  spawnQueue.push(spawn);
  spawnTimer ??= setTimeout(spawnNext, 0);
}

function spawnNext(): void {
  spawnTimer = undefined;
  spawnQueue.shift()?.();
  if (spawnQueue.length > 0) spawnTimer = setTimeout(spawnNext, 0);
}

/** A worker spawned a macrotask later; what is done to it before then is replayed. */
class LaterHandle implements WorkerHandle {
  #real: WorkerHandle | undefined;
  #pending: Array<(real: WorkerHandle) => void> = [];
  #stopped = false;
  #settle!: (code: number | null) => void;
  readonly exited: Promise<number | null> = new Promise((resolve) => (this.#settle = resolve));

  constructor(data: unknown, options: SpawnOptions) {
    later(() => {
      if (this.#stopped) return;
      const real = this.#real = runtime.spawn(WORKER_URL, data, options);
      real.exited.then(this.#settle);
      for (const op of this.#pending.splice(0)) op(real);
    });
  }

  #do(op: (real: WorkerHandle) => void): void {
    if (this.#real) op(this.#real);
    else this.#pending.push(op);
  }

  post(message: unknown): void {
    this.#do((real) => real.post(message));
  }

  onMessage(listener: (message: unknown) => void): void {
    this.#do((real) => real.onMessage(listener));
  }

  onError(listener: (error: unknown) => void): void {
    this.#do((real) => real.onError(listener));
  }

  terminate(): void {
    if (this.#real) return this.#real.terminate();
    // Never spawned: there is no thread to stop.
    this.#stopped = true;
    this.#settle(null);
  }

  ref(): void {
    this.#do((real) => real.ref());
  }

  unref(): void {
    this.#do((real) => real.unref());
  }
}

const BOOTSTRAP_MESSAGE = "An attempt has been made to start a new process before the current " +
  "process has finished its bootstrapping phase. This probably means that you have forgotten " +
  "to use the proper idiom in the main module: put the code that starts processes inside " +
  "`if (import.meta.main) { ... }`, so that a worker importing the module to find its target " +
  "does not run it";

/**
 * Throws when this process may not start a child now, as `start()` does:
 * while a worker is still importing its modules (a missing
 * `if (import.meta.main)` guard: Python's bootstrapping error), in a daemon
 * (Python's rule), and in a single-file executable, where the bootstrap and
 * the target's module are not files a worker can load. Pools check it when
 * made, since they may start their workers later.
 */
export function checkCanStart(): void {
  const st = existingThreadState();
  if (workerSide.isWorker() && st?.bootstrapping) throw new Error(BOOTSTRAP_MESSAGE);
  if (st?.self.daemon) throw new Error("Daemonic processes are not allowed to have children");
  const executable = runtime.singleFileExecutable();
  if (executable === null) return;
  throw new Error(
    `Cannot start a process: this program was made a single-file executable ` +
      `(${executable}), and a process needs the program's modules and ` +
      `@tsmp/multiprocessing's worker entry as files to load. Run the program from its ` +
      `files instead (deno run -A main.ts, bun main.ts or node main.ts, with node_modules ` +
      `installed), or ship its folder`,
  );
}

/**
 * The option key (of `Process` and `Pool` options) by which a context made by
 * `getContext(method)` binds its processes to its start method.
 */
export const START_METHOD: unique symbol = Symbol("startMethod");

/**
 * A worker running the bootstrap, given `data` as its start data, started
 * by `method` (the method in force by default).
 */
export function startWorker(
  data: unknown,
  options: SpawnOptions,
  method: StartMethod = getStartMethod(),
): WorkerHandle {
  if (method !== "forkserver") return runtime.spawn(WORKER_URL, data, options);
  let handle: WorkerHandle;
  if (warm && !warm.dead) {
    handle = warm.handle;
    handle.post(data);
    warm = undefined;
  } else {
    // This start takes the place of a warm worker not yet made.
    dropQueuedWarm();
    handle = new LaterHandle(data, options);
  }
  prepareWarmAfter(handle);
  return handle;
}

// The next warm worker: on Node made at once, to start while the process
// just started runs; where `runtime.warmAfterUse` (Deno, Bun), once that
// process has ended or has run for WARM_AFTER_MS, whichever comes first.
// There a short process paid for a warm worker made beside it: a no-op
// process took 48 ms from start() to join() on Deno (join() waited while
// making the worker blocked the thread) and 11 ms on Bun, and 3.3 and 6.9
// ms without (bare workers: 49 and 7.4 ms). A process that runs longer than
// WARM_AFTER_MS has long finished starting, and the next warm worker starts
// while it runs.
const WARM_AFTER_MS = 50;

function prepareWarmAfter(handle: WorkerHandle): void {
  if (!runtime.warmAfterUse) return later(prepareWarm);
  const asked = epoch;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const prepare = (): void => {
    if (timer === undefined) return;
    clearTimeout(timer);
    timer = undefined;
    if (asked === epoch) later(prepareWarm);
  };
  timer = setTimeout(prepare, WARM_AFTER_MS);
  // The process's worker keeps the program alive while it runs; the timer need not.
  (timer as { unref?: () => void }).unref?.();
  void handle.exited.then(prepare);
}

/** Options for {@linkcode setStartMethod}. */
export interface SetStartMethodOptions {
  /** Replace a method already set (Python's `force=True`). @default {false} */
  force?: boolean;
}

/**
 * Sets how new processes get their worker, as Python's
 * `set_start_method()`. `"spawn"` (the default) starts a fresh worker per
 * process. `"forkserver"` keeps one worker started ahead with the bootstrap
 * loaded, so `start()` is much faster; it lives until the program ends or
 * the method is set back to `"spawn"` (it never keeps the program alive).
 *
 * @param method `"spawn"` or `"forkserver"`.
 * @param options `force` to replace a method already set.
 * @throws {RangeError} For another method (`"fork"` cannot exist in JS).
 * @throws {Error} If a method was already set and `force` is not given.
 * @example Faster starts for a program that starts many processes
 * ```ts
 * import { Process, setStartMethod } from "@tsmp/multiprocessing";
 *
 * export function work(): void {}
 *
 * if (import.meta.main) {
 *   setStartMethod("forkserver");
 *   for (let i = 0; i < 10; i++) {
 *     const p = new Process({ target: work });
 *     p.start();
 *     await p.join();
 *   }
 * }
 * ```
 */
export function setStartMethod(method: StartMethod, options: SetStartMethodOptions = {}): void {
  if (method !== "spawn" && method !== "forkserver") {
    throw new RangeError(
      `'method' must be "spawn" or "forkserver", got ${describe(method)}` +
        (method === "fork" ? " (a JS worker cannot be forked)" : ""),
    );
  }
  const { force = false } = optionsOf("setStartMethod", options, ["force"]);
  if (current !== undefined && !force) {
    throw new Error("The start method has already been set");
  }
  setMethod(method);
}

/**
 * The start method in force, as Python's `get_start_method()`.
 *
 * @returns `"spawn"` unless {@linkcode setStartMethod} chose another.
 * @example
 * ```ts
 * import { getStartMethod } from "@tsmp/multiprocessing";
 * console.log(getStartMethod()); // "spawn"
 * ```
 */
export function getStartMethod(): StartMethod {
  return current ?? "spawn";
}

/**
 * The start methods this library has, as Python's `get_all_start_methods()`.
 *
 * @returns `["spawn", "forkserver"]`.
 * @example
 * ```ts
 * import { getAllStartMethods } from "@tsmp/multiprocessing";
 * console.log(getAllStartMethods()); // [ "spawn", "forkserver" ]
 * ```
 */
export function getAllStartMethods(): StartMethod[] {
  return ["spawn", "forkserver"];
}
