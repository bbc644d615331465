/**
 * The protocol between a pool's main side (`core.ts`) and its workers
 * (`worker.ts`), in one place so that neither side imports the other.
 *
 * Tasks travel main → worker on the worker's own channel, as batches: one
 * message is an array of records, so that a long `map` with `chunksize` 1
 * costs one channel message per batch, not per item. Results travel worker
 * → main on one channel the whole pool shares, one message per task:
 * `[taskId, status, value, runMicros]`.
 *
 * @module
 */

import type { TargetRef } from "../target/resolve.ts";

/** Record: load function `fnId` from `ref` before the tasks that use it. `[LOAD, fnId, ref]` */
export const LOAD = 0;
/** Record: call `fn(...args)`. `[APPLY, taskId, fnId, args, timed]` */
export const APPLY = 1;
/** Record: `items.map(fn)`. `[MAP, taskId, fnId, items, timed]` */
export const MAP = 2;
/** Record: `items.map((args) => fn(...args))`. `[STARMAP, taskId, fnId, items, timed]` */
export const STARMAP = 3;
/** Record: return from the worker loop (the process then ends with 0). `[STOP]` */
export const STOP = 4;

/** Result status: the value is the task's return value. */
export const OK = 0;
/** Result status: the value is the task's error, as `serializeError` data. */
export const FAILED = 1;
/** Result status: a task with a timeout or signal has started (its clock starts now). */
export const STARTED = 2;
/**
 * Result status: the worker has started and takes tasks (task id 0). Tasks
 * go only to started workers, so that a pool's first tasks run on whichever
 * worker is up first instead of waiting for one still starting.
 */
export const READY = 3;

// Words of a worker's control buffer (Int32), written by the worker only.
/** 0 while the worker starts (imports, initializer); 1 once it takes tasks (then it sends READY). */
export const CTL_READY = 0;
/** The id of the task it runs now; 0 between tasks. Read after it dies. */
export const CTL_RUNNING = 1;
/** Words in the control buffer. */
export const CTL_WORDS = 2;

/** What a worker process is started with (its first argument). */
export interface WorkerSetup {
  /** The worker's task channel buffer. */
  tasks: SharedArrayBuffer;
  /** The pool's result channel buffer. */
  results: SharedArrayBuffer;
  /** The worker's control words. */
  control: SharedArrayBuffer;
  /** Called once with the pool's `initargs` before any task. */
  initializer: TargetRef | null;
  /** Tasks after which the worker ends (and is replaced); 0 for no limit. */
  maxTasks: number;
  /**
   * A `ProcessPoolExecutor`'s worker: `exit()` in a task and a result that
   * cannot be sent fail that task with the error itself (a `Pool`'s worker
   * ends on `exit()`, and reports `MaybeEncodingError`), as in Python.
   */
  executor: boolean;
}

/**
 * One task record, as the worker reads it: an APPLY's payload is its
 * arguments; a MAP's or STARMAP's, its chunk as a nested message (a
 * `NestedBytes`, read an item at a time).
 */
export type TaskRecord =
  | [typeof LOAD, number, TargetRef]
  | [typeof APPLY | typeof MAP | typeof STARMAP, number, number, unknown, boolean]
  | [typeof STOP];

/** One result message. */
export type ResultMessage = [taskId: number, status: number, value: unknown, micros: number];
