/**
 * This thread's place in the process tree: who it is, who its parent is,
 * its children, and whether it is still importing the modules its target
 * needs (Python's "bootstrapping phase"). Kept on globalThis so that two
 * copies of the library loaded in one thread agree.
 *
 * @module
 */

/**
 * The own property that marks `Process` itself (the base class), which the
 * bootstrap finds on a user's subclass to build the running instance:
 * registered, so that the bootstrap never imports `process.ts`.
 */
export const PROCESS_BASE: unique symbol = Symbol.for("@tsmp/multiprocessing.ProcessBase");

/**
 * The constructor option that builds a `Process` standing for an existing
 * process (no subclass constructor runs in the child; fields are copied),
 * as Python's process objects are re-created rather than constructed.
 */
export const ADOPT: unique symbol = Symbol.for("@tsmp/multiprocessing.adopt");

/** Who a process is, as handed to a child at start. */
export interface ProcessInfo {
  name: string;
  pid: number;
  slot: number;
  daemon: boolean;
  /** Python's `_identity`: `[3, 1]` is the first child of the third child. */
  identity: number[];
}

/** A started child, as its parent tracks it. */
export interface ChildHandle {
  readonly daemon: boolean;
  isAlive(): boolean;
  join(): Promise<void>;
  terminate(): void;
}

/** The state of this thread's process. */
export interface ThreadState {
  self: ProcessInfo;
  parent: ProcessInfo | null;
  /** The program's main module URL, handed down the tree. */
  mainModule: string | undefined;
  /** True while a child imports its target's modules. */
  bootstrapping: boolean;
  /** How many children this process has created (names `Process-N`). */
  counter: number;
  /** Started children not yet reaped. */
  children: Set<ChildHandle>;
  /** The Process object `currentProcess()` returns, once made. */
  current: unknown;
}

const KEY = Symbol.for("@tsmp/multiprocessing.state");
type Holder = { [KEY]?: ThreadState };

/** This thread's state if it has been made (a main process that made no process has none). */
export function existingThreadState(): ThreadState | undefined {
  return (globalThis as Holder)[KEY];
}

/** This thread's state; made on first use in the main process. */
export function threadState(init: () => ThreadState): ThreadState {
  const holder = globalThis as Holder;
  return holder[KEY] ??= init();
}

/**
 * Runs `load` (an import of a module that may hold a target) in Python's
 * bootstrapping phase: a module that starts processes at its top level,
 * without an `import.meta.main` guard, then gets the bootstrapping error
 * instead of starting processes from inside a worker.
 */
export async function importing<T>(load: () => Promise<T>): Promise<T> {
  const state = (globalThis as Holder)[KEY];
  if (!state) return await load();
  const before = state.bootstrapping;
  state.bootstrapping = true;
  try {
    return await load();
  } finally {
    state.bootstrapping = before;
  }
}

/** Installs a child's state before anything else reads it. */
export function setThreadState(state: ThreadState): void {
  (globalThis as Holder)[KEY] = state;
}

const PENDING = Symbol.for("@tsmp/multiprocessing.pending");
type PendingHolder = { [PENDING]?: Set<Promise<unknown>> };

/**
 * Records work a process finishes before it ends: a queue's puts still
 * waiting for room, as Python joins a queue's feeder thread at exit (an item
 * put and not awaited is delivered, not dropped). Kept on globalThis, as the
 * thread state is.
 */
export function finishBeforeExit(work: Promise<unknown>): void {
  const holder = globalThis as PendingHolder;
  const pending = holder[PENDING] ??= new Set();
  pending.add(work);
  void work.finally(() => pending.delete(work));
}

/** Settles when the work recorded by {@linkcode finishBeforeExit} is done, new work included. */
export async function finishedWork(): Promise<void> {
  const pending = (globalThis as PendingHolder)[PENDING];
  while (pending && pending.size > 0) await Promise.allSettled([...pending]);
}
