/**
 * Python's `multiprocessing.get_context()`: an object with the module's API
 * whose processes (and pool workers) start by one start method, whatever
 * {@linkcode setStartMethod} chose for the rest of the program, so that
 * `ctx = mp.get_context("spawn"); ctx.Process(...)` ports as
 * `const ctx = getContext("spawn"); new ctx.Process(...)`.
 *
 * @module
 */

import {
  activeChildren,
  cpuCount,
  currentProcess,
  getAllStartMethods,
  getStartMethod,
  parentProcess,
  Process,
  type ProcessOptions,
  type StartMethod,
} from "./process.ts";
import { Pool, type PoolOptions } from "./pool.ts";
import { JoinableQueue, Queue, SimpleQueue } from "./queue.ts";
import { Pipe } from "./pipe.ts";
import { Barrier, BoundedSemaphore, Condition, Event, Lock, RLock, Semaphore } from "./lock.ts";
import { RawArray, RawValue, SharedArray, Value } from "./shared.ts";
import { Manager } from "./manager.ts";
import { START_METHOD } from "./internal/process/start.ts";
import { describe } from "./internal/wait/futex.ts";

/**
 * What {@linkcode getContext} returns: the module's API, with `Process` and
 * `Pool` bound to the context's start method. The other members are the
 * module's own (a `Queue` is the same whatever starts the processes).
 */
export interface Context {
  /** `Process`, starting its worker by this context's method. */
  readonly Process: typeof Process;
  /** `Pool`, starting its workers by this context's method. */
  readonly Pool: typeof Pool;
  /** The module's `Manager` (its objects live in shared memory: no process to start). */
  readonly Manager: typeof Manager;
  /** The module's `Queue`. */
  readonly Queue: typeof Queue;
  /** The module's `JoinableQueue`. */
  readonly JoinableQueue: typeof JoinableQueue;
  /** The module's `SimpleQueue`. */
  readonly SimpleQueue: typeof SimpleQueue;
  /** The module's `Pipe`. */
  readonly Pipe: typeof Pipe;
  /** The module's `Lock`. */
  readonly Lock: typeof Lock;
  /** The module's `RLock`. */
  readonly RLock: typeof RLock;
  /** The module's `Semaphore`. */
  readonly Semaphore: typeof Semaphore;
  /** The module's `BoundedSemaphore`. */
  readonly BoundedSemaphore: typeof BoundedSemaphore;
  /** The module's `Condition`. */
  readonly Condition: typeof Condition;
  /** The module's `Event`. */
  readonly Event: typeof Event;
  /** The module's `Barrier`. */
  readonly Barrier: typeof Barrier;
  /** The module's `Value`. */
  readonly Value: typeof Value;
  /** The module's `SharedArray` (Python's `Array`). */
  readonly SharedArray: typeof SharedArray;
  /** The module's `RawValue`. */
  readonly RawValue: typeof RawValue;
  /** The module's `RawArray`. */
  readonly RawArray: typeof RawArray;
  /** The module's `currentProcess`. */
  readonly currentProcess: typeof currentProcess;
  /** The module's `parentProcess`. */
  readonly parentProcess: typeof parentProcess;
  /** The module's `activeChildren`. */
  readonly activeChildren: typeof activeChildren;
  /** The module's `cpuCount`. */
  readonly cpuCount: typeof cpuCount;
  /** The module's `getAllStartMethods`. */
  readonly getAllStartMethods: typeof getAllStartMethods;
  /** {@linkcode getContext} again (Python's `ctx.get_context`). */
  readonly getContext: typeof getContext;
  /**
   * The context's start method (for `getContext()` with no method: the one
   * in force).
   */
  getStartMethod(): StartMethod;
}

const contexts = new Map<StartMethod | undefined, Context>();

/**
 * A context object: Python's `multiprocessing.get_context(method)`. Its
 * `Process` and `Pool` start their workers by `method`; without a method,
 * they follow the one in force (Python's default context). The same object
 * is returned for the same method.
 *
 * @param method `"spawn"` or `"forkserver"`; omitted or null: the method in force.
 * @returns The context.
 * @throws {RangeError} For another method (`"fork"` cannot exist in JS).
 *
 * @example A spawn context while the program's default is forkserver
 * ```ts
 * import { getContext } from "@tsmp/multiprocessing";
 *
 * export function hello(): void {
 *   console.log("hello");
 * }
 *
 * if (import.meta.main) {
 *   const ctx = getContext("spawn");
 *   const q = new ctx.Queue<number>();
 *   const p = new ctx.Process({ target: hello });
 *   p.start();
 *   await p.join();
 *   console.log(ctx.getStartMethod(), p.exitcode, q.empty()); // spawn 0 true
 * }
 * ```
 */
export function getContext(method?: StartMethod | null): Context {
  const m = method ?? undefined;
  if (m !== undefined && m !== "spawn" && m !== "forkserver") {
    throw new RangeError(
      `'method' must be "spawn" or "forkserver", got ${describe(method)}` +
        ((method as string) === "fork" ? " (a JS worker cannot be forked)" : ""),
    );
  }
  let ctx = contexts.get(m);
  if (!ctx) contexts.set(m, ctx = makeContext(m));
  return ctx;
}

/** Adds the context's start method to a `Process`'s or `Pool`'s options, where it is an object. */
function bind<T>(options: T, method: StartMethod | undefined): T {
  if (method === undefined || typeof options !== "object" || options === null) return options;
  return { ...options, [START_METHOD]: method };
}

function makeContext(method: StartMethod | undefined): Context {
  class ContextProcess<A extends unknown[] = unknown[]> extends Process<A> {
    constructor(options: ProcessOptions<A> = {}) {
      super(bind(options, method));
    }
  }
  class ContextPool extends Pool {
    constructor(processes?: number | PoolOptions | null, options: PoolOptions = {}) {
      const inOne = typeof processes === "object" && processes !== null;
      super(inOne ? bind(processes, method) : processes, inOne ? options : bind(options, method));
    }
  }
  Object.defineProperty(ContextProcess, "name", { value: "Process" });
  Object.defineProperty(ContextPool, "name", { value: "Pool" });
  return Object.freeze({
    Process: ContextProcess,
    Pool: ContextPool,
    Manager,
    Queue,
    JoinableQueue,
    SimpleQueue,
    Pipe,
    Lock,
    RLock,
    Semaphore,
    BoundedSemaphore,
    Condition,
    Event,
    Barrier,
    Value,
    SharedArray,
    RawValue,
    RawArray,
    currentProcess,
    parentProcess,
    activeChildren,
    cpuCount,
    getAllStartMethods,
    getContext,
    getStartMethod: () => method ?? getStartMethod(),
  });
}
