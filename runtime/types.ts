/**
 * The runtime-neutral contract every adapter fills in. Nothing outside
 * `runtime/` touches `Deno`, `Bun` or `node:worker_threads`; everything the
 * library needs from them is here.
 *
 * @module
 */

/** Options for starting a worker. */
export interface SpawnOptions {
  /** A name for debuggers and the runtime's own messages. */
  name: string;
}

/** The main side's handle on a started worker. */
export interface WorkerHandle {
  /** Sends a structured-clone message to the worker. */
  post(message: unknown): void;
  /** Calls `listener` with each message the worker sends. */
  onMessage(listener: (message: unknown) => void): void;
  /**
   * Calls `listener` with an error that escaped the worker. The adapter keeps
   * it from ending the main program (Deno's Web Worker would).
   */
  onError(listener: (error: unknown) => void): void;
  /**
   * Settles when the runtime reports that the worker ended, with its exit
   * code where the runtime gives one (the library's own process table is
   * the authority on exit codes).
   */
  readonly exited: Promise<number | null>;
  /** Stops the worker now, even in the middle of a busy loop. */
  terminate(): void;
  /** Makes the worker keep the program alive. */
  ref(): void;
  /** Lets the program end while the worker still runs (when supported). */
  unref(): void;
}

/** Everything the library asks of a runtime. */
export interface Runtime {
  /** `"deno"`, `"bun"` or `"node"`. */
  readonly name: "deno" | "bun" | "node";
  /**
   * Starts a worker on a module URL, handing it `data` before anything else;
   * with `data` undefined, the worker waits for its start data as the first
   * message `post`ed to it (a warm worker for the forkserver start method).
   */
  spawn(url: URL, data: unknown, options: SpawnOptions): WorkerHandle;
  /** What a worker of this runtime uses to talk to its parent. */
  readonly worker: WorkerSide;
  /** The OS process id. */
  pid(): number;
  /** The number of logical CPUs. */
  cpuCount(): number;
  /** The URL of the program's main module, where the runtime knows it. */
  mainModule(): string | undefined;
  /**
   * Whether a worker reported gone (its exit event) has really stopped
   * running. Deno 2.9 reports a terminated worker in a busy loop gone while
   * its thread runs on.
   */
  readonly stopsWorkers: boolean;
  /**
   * Whether the forkserver start method makes its next warm worker only
   * after the process that took the last one has ended or run a while,
   * rather than at once beside it. Deno: making a worker blocks the thread
   * that makes it (~40 ms), and `join()` waited for that. Bun: a worker
   * starts in ~6 ms, so a head start saves little, and one starting beside
   * a short process slowed it. Node: a worker takes ~40 ms to start, off
   * the thread that makes it; without the head start, processes started one
   * after another took 64 ms each instead of 46.
   */
  readonly warmAfterUse: boolean;
  /**
   * Whether `node:buffer`'s `utf8Write` is a native call that allocates
   * nothing: the codec then writes a long string with it instead of
   * `TextEncoder.encodeInto`, which takes a view of its destination and
   * returns an object (two allocations per string). Node and Bun; Deno's
   * is no faster than `encodeInto` (1.27 against 1.19 ms for 10,000 1 KiB
   * strings), and its `latin1Write` is ~50x slower.
   */
  readonly nativeBufferWrites: boolean;
  /** Ends the whole program with `code`. */
  exitProgram(code: number): never;
  /**
   * What made this program a single-file executable (`"deno compile"`,
   * `"bun build --compile"`, `"a Node single executable application"`), or
   * `null` when it runs from its files.
   */
  singleFileExecutable(): string | null;
}

/** The worker side: what a worker needs to talk to its parent. */
export interface WorkerSide {
  /** Whether this thread is a worker (of either kind, in any runtime). */
  isWorker(): boolean;
  /** The data given to `spawn`. Registers its listener synchronously. */
  startData(): Promise<unknown>;
  /** Sends a message to the parent. */
  postToParent(message: unknown): void;
  /** Ends this worker thread with `code`, flushing its output first. */
  exitWorker(code: number): void;
  /**
   * Makes this worker's `console` and `process.stdout`/`stderr` write
   * straight to the program's output, so that what a child prints shows
   * while its parent's thread is blocked (a Node worker's output otherwise
   * waits for the parent's event loop).
   */
  directOutput(): void;
  /**
   * Ends this worker thread once its work is done: as `exitWorker`, or,
   * where a thread that exits itself is never freed (Deno), by asking its
   * parent to terminate it; the thread then only idles until it is.
   */
  endWorker(code: number): void;
  /**
   * Calls `listener` with an error nothing caught or a rejection nothing
   * handled, instead of the runtime's default (which differs: Bun reports a
   * rejection as a clean exit 0).
   */
  onUncaught(listener: (error: unknown) => void): void;
  /**
   * Calls `listener` with the code when user code calls `process.exit()` or
   * `Deno.exit()` in this worker, before the thread ends: a Deno Web Worker
   * reports no exit, so the library records the code itself.
   */
  onExitCall(listener: (code: number) => void): void;
}
