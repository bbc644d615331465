/**
 * The scheduler under both `Pool` and `ProcessPoolExecutor`: one mechanism
 * for starting worker processes, handing them tasks, collecting results and
 * surviving their deaths.
 *
 * Transport: each worker has its own shared-memory channel for tasks and
 * the pool has one result channel all workers write to (the message channel
 * of `internal/channel/`, with the compact codec). Tasks are pushed in batches, so a `map` over 100,000
 * items with `chunksize` 1 costs one message per few hundred items. How many
 * tasks a worker may hold at once (its depth) follows the measured task
 * time: fast tasks are queued deep (no worker waits for the main thread),
 * slow ones one at a time (no task waits behind a slow one while another
 * worker idles, as with Python's shared task queue).
 *
 * The main side only waits (keeping the program alive) while tasks are
 * outstanding; an idle pool holds no timer, and its workers are daemons, so
 * a pool left open never keeps a program from ending.
 *
 * @module
 */

import { AGAIN, Channel, NOTHING } from "../channel/channel.ts";
import { deserializeError, type ErrorData, TimeoutError } from "../errors.ts";
import {
  APPLY,
  CTL_READY,
  CTL_RUNNING,
  CTL_WORDS,
  LOAD,
  OK,
  READY,
  type ResultMessage,
  STARMAP,
  STARTED,
  STOP,
  type WorkerSetup,
} from "./protocol.ts";
import { poolWorkerMain } from "./worker.ts";
import { ownModule, type TargetRef } from "../target/resolve.ts";
import { encode, Items, Nested, Rows, Writer } from "../codec/encode.ts";
import { unpack } from "./wire.ts";
import { Process, type ProcessOptions } from "../../process.ts";
import { checkCanStart, START_METHOD, type StartMethod } from "../process/start.ts";
import { WorkerLostError } from "./errors.ts";

const WORKER_MODULE = ownModule("internal/pool/worker").href;

type Fn = (...args: never[]) => unknown;

/** What a pool front end hands the core for one task. */
export interface TaskSpec {
  /** APPLY, MAP or STARMAP. */
  kind: number;
  fn: Fn;
  ref: TargetRef;
  /** Arguments (APPLY) or the chunk's items (MAP, STARMAP: argument lists). */
  payload: unknown[];
  /** Where a MAP or STARMAP chunk starts in the whole input, to name a bad item. */
  offset?: number;
  /**
   * With `offset` and `end`: the whole input a MAP or STARMAP chunk is the
   * part `offset` up to `end` of (`payload` is then that slice, made when
   * first read): a scheduler may read the chunk from it without a copy.
   */
  source?: unknown[];
  /** Where the chunk ends in `source`. */
  end?: number;
  /** Milliseconds the task may run once started. */
  timeout?: number;
  /** Stops the task (and its worker) when aborted. */
  signal?: AbortSignal;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** Called when the task is handed to a worker (the executor's `running()`). */
  onDispatch?(): void;
  /** Set as the task settles: how long it ran in its worker (µs). */
  runMicros?: number;
}

/**
 * What a pool front end drives: the process scheduler ({@linkcode PoolCore}),
 * the event-loop one under `ThreadPool` (`local.ts`) or the cluster's
 * (`internal/cluster/driver.ts`).
 */
export interface Scheduler {
  /** The error that broke the pool, or null. */
  readonly broken: Error | null;
  /** Whether tasks can still run (not terminated, not broken). */
  readonly alive: boolean;
  /** Whether new tasks are accepted. */
  readonly running: boolean;
  /** Queues a task. The caller checks `running` and `broken` first. */
  submit(spec: TaskSpec): void;
  /** Cancels a task not yet started; returns whether it was. */
  cancel(spec: TaskSpec): boolean;
  /** Accepts no more tasks; queued ones still run. */
  close(): void;
  /** After `close()`: waits for the outstanding tasks (and the workers' end). */
  join(): Promise<void>;
  /** Stops now; outstanding tasks reject with `reason`. */
  terminate(reason: Error): Promise<void>;
}

/**
 * A scheduler handed to the `Pool` or executor constructor in place of the
 * local one, under this key of its options (how `ClusterPool` plugs in).
 */
export const SCHEDULER: unique symbol = Symbol("tsmp.scheduler");

/** The value under {@linkcode SCHEDULER}. */
export interface SchedulerHook {
  scheduler: Scheduler;
  /** How many processes run tasks (for the default `chunksize`). */
  processes: number;
}

/** What the core does when a worker dies unexpectedly. */
export type DeathPolicy = "replace" | "break";

/** Options for {@linkcode PoolCore}. */
export interface CoreOptions {
  processes: number;
  initializer: TargetRef | null;
  initargs: unknown[];
  maxTasks: number;
  /** Name prefix of worker processes. */
  name: string;
  /** "replace" (Pool: fail the task, replace the worker) or "break" (executor). */
  onDeath: DeathPolicy;
  /** Builds the error that breaks the pool. */
  brokenError(message: string, cause?: unknown): Error;
  /** How the workers are started; the method in force if not given. */
  startMethod?: StartMethod;
  /**
   * Python's `ProcessPoolExecutor` rather than its `Pool`: workers start
   * only as tasks need them (idle ones are reused first), and `exit()` in a
   * task or a result that cannot be sent fails only that task, with the
   * error itself.
   */
  executor?: boolean;
}

const QUEUED = 0;
const SENT = 1;
const DONE = 2;

interface Task extends TaskSpec {
  id: number;
  fnId: number;
  state: number;
  timed: boolean;
  worker: PoolWorker | null;
  timer?: ReturnType<typeof setTimeout>;
  onAbort?: () => void;
}

interface PoolWorker {
  process: Process;
  tasks: Channel;
  control: Int32Array;
  outstanding: Set<Task>;
  loaded: Set<number>;
  sent: number;
  exclusive: boolean;
  /** Stopped on purpose (timeout, signal, terminate) or retiring after maxTasks. */
  retired: boolean;
  dead: boolean;
  /** A join() of it is pending (see `#busy`). */
  watched: boolean;
}

const fnIds = new WeakMap<object, number>();
const sourceIds = new Map<string, number>();
let nextFnId = 1;
let nextWorkerNumber = 1;
let nextTaskId = 1;

// Drained results handled before dispatching again and, at most every
// YIELD_MS, yielding to the event loop so that consumers of results run.
const DRAIN_BATCH = 1024;
// What the pump's last look gives when nothing is outstanding.
const IDLE: unique symbol = Symbol("idle");
const YIELD_MS = 8;
// How long the program is kept alive after the last result (see #pump).
const GRACE_MS = 50;
// The most tasks a worker holds at once, and the task time (µs) of queued
// work that depth aims for. Tasks faster than SLOW_US have at least one
// more queued behind the running one, so that a worker never waits for the
// main thread between them (a round trip of wake-ups costs ~100 µs, far more
// on a busy machine: a map's default chunks would each pay it); slower ones
// go one at a time, so that no task waits behind a slow one while another
// worker idles, as with Python's shared task queue.
const MAX_DEPTH = 1024;
// A batch ends once it holds this many items: a large chunk goes alone, so
// that its worker starts on it while the next chunk is being encoded (for
// the other worker: each batch goes to the least busy one), instead of
// waiting for the whole batch.
const BATCH_ITEMS = 1024;
const DEPTH_TARGET_US = 1000;
const SLOW_US = 20_000;

let scratch = new Writer();

/**
 * What a task record carries of its payload: an APPLY's arguments as they
 * are; a chunk (its part of the input, or a list the front end made: only
 * indices are read) as {@linkcode Items}, a starmap's argument lists of one length as
 * {@linkcode Rows} (only spread into calls: their identity never shows),
 * each {@linkcode Nested}: a message of its own, which the worker reads an
 * item at a time as it runs them, so that each item can be collected once
 * it has run.
 */
function chunkOf(t: Task): unknown {
  if (t.kind === APPLY) return t.payload;
  // Read from the whole input where the task has it: no slice made.
  const whole = inPlace(t);
  const list = whole ? t.source : t.payload;
  const from = whole ? t.offset ?? 0 : 0;
  const to = whole ? t.end : list.length;
  if (t.kind === STARMAP && to > from) {
    const width = (list[from] as unknown[]).length;
    let same = width > 0;
    for (let i = from + 1; same && i < to; i++) same = (list[i] as unknown[]).length === width;
    if (same) return new Nested(new Rows(list as unknown[][], width, from, to));
  }
  return new Nested(new Items(list, from, to));
}

/** Whether the task's chunk can be read from its whole input (see `TaskSpec.source`). */
function inPlace(t: TaskSpec): t is TaskSpec & { source: unknown[]; end: number } {
  return t.source !== undefined && t.end !== undefined;
}

/** How many items a task carries (1 for an APPLY), without slicing its chunk. */
function itemCount(t: TaskSpec): number {
  if (t.kind === APPLY) return 1;
  return inPlace(t) ? t.end - (t.offset ?? 0) : t.payload.length;
}

/** The shared scheduler of Pool and ProcessPoolExecutor. */
export class PoolCore implements Scheduler {
  #options: CoreOptions;
  #results: Channel = Channel.create(0);
  #workers: PoolWorker[] = [];
  #queue: Task[] = [];
  #queueHead = 0;
  #tasks = new Map<number, Task>();
  #outstanding = 0;
  #pumping = false;
  #dispatchScheduled = false;
  #avgMicros = -1;
  #state: "running" | "closed" | "stopping" | "terminated" = "running";
  #broken: Error | null = null;
  #stopReason: Error | null = null;
  #idle: Array<() => void> = [];
  // Aborted when the pool falls idle: a join() on a daemon worker keeps the
  // program alive, which we want only while tasks are outstanding.
  #busy: AbortController | null = null;
  #grace: ReturnType<typeof setTimeout> | undefined;

  /**
   * Starts `options.processes` workers (none for an executor). Throws what
   * `new Process`/`start()` throw.
   */
  constructor(options: CoreOptions) {
    this.#options = options;
    // What start() would throw, thrown now even where workers start later:
    // a pool made at a module's top level, without the main guard, fails
    // where it is made, as Python's.
    checkCanStart();
    if (!options.executor) { for (let i = 0; i < options.processes; i++) this.#spawn(); }
  }

  /** The error that broke the pool, or null. */
  get broken(): Error | null {
    return this.#broken;
  }

  /** Whether tasks can still run (not terminated, not broken). */
  get alive(): boolean {
    return this.#broken === null && this.#stopReason === null;
  }

  /** Whether new tasks are accepted. */
  get running(): boolean {
    return this.#state === "running";
  }

  /** Tasks submitted and not yet settled. */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** The worker processes now in the pool. */
  get processes(): Process[] {
    return this.#workers.filter((w) => !w.dead).map((w) => w.process);
  }

  /** Queues a task. The caller checks `running` and `broken` first. */
  submit(spec: TaskSpec): void {
    if (this.#broken || this.#stopReason) {
      spec.reject(this.#broken ?? this.#stopReason);
      return;
    }
    let fnId = fnIds.get(spec.fn);
    if (fnId === undefined) {
      // A lambda rebuilt from source is the same function whatever object
      // it came from: an inline lambda passed in a loop is loaded once.
      const bySource = spec.ref.modules.length === 0;
      fnId = bySource ? sourceIds.get(spec.ref.source) : undefined;
      fnId ??= nextFnId++;
      if (bySource) sourceIds.set(spec.ref.source, fnId);
      fnIds.set(spec.fn, fnId);
    }
    const task = spec as Task;
    task.id = nextTaskId++;
    if (nextTaskId > 0x7fff_fff0) nextTaskId = 1;
    task.fnId = fnId;
    task.state = QUEUED;
    task.worker = null;
    task.timed = spec.timeout !== undefined || spec.signal !== undefined;
    if (spec.signal) {
      if (spec.signal.aborted) {
        task.state = DONE;
        spec.reject(spec.signal.reason);
        return;
      }
      task.onAbort = () => this.#stopTask(task, spec.signal!.reason);
      spec.signal.addEventListener("abort", task.onAbort, { once: true });
    }
    this.#tasks.set(task.id, task);
    this.#outstanding++;
    this.#queue.push(task);
    if (this.#options.executor) this.#grow();
    if (!this.#dispatchScheduled) {
      this.#dispatchScheduled = true;
      queueMicrotask(() => {
        this.#dispatchScheduled = false;
        this.#dispatch();
      });
    }
    // Checked here, not only in #pump: calling an async function makes a
    // promise, one per task otherwise.
    if (!this.#pumping) void this.#pump();
  }

  /** Cancels a task that no worker has yet; returns whether it was. */
  cancel(spec: TaskSpec): boolean {
    const task = spec as Task;
    if (task.state !== QUEUED) return false;
    return this.#finish(task);
  }

  /** Accepts no more tasks; queued ones still run. */
  close(): void {
    if (this.#state === "running") this.#state = "closed";
  }

  /** Resolves once no task is outstanding. */
  idle(): Promise<void> {
    if (this.#outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** After `close()`: waits for the outstanding tasks, then lets the workers end. */
  async join(): Promise<void> {
    await this.idle();
    this.#unwatch();
    if (this.#state === "closed") this.#state = "stopping";
    for (const w of this.#workers) {
      if (!w.dead && !w.retired) {
        w.retired = true;
        w.tasks.tryPut([[STOP]], "stop");
      }
    }
    await this.#allExited();
  }

  /** Stops every worker now; outstanding tasks reject with `reason`. */
  async terminate(reason: Error): Promise<void> {
    if (this.#state !== "terminated") {
      this.#state = "terminated";
      this.#stopReason = reason;
      for (const w of this.#workers) {
        w.retired = true;
        if (!w.dead && w.process.isAlive()) w.process.terminate();
      }
      this.#failAll(reason);
    }
    this.#unwatch();
    await this.#allExited();
  }

  async #allExited(): Promise<void> {
    // Workers started while waiting (replacements) are joined too; an ended
    // worker leaves #workers (see #onExit).
    while (this.#workers.length > 0) {
      await Promise.all(this.#workers.map((w) => w.process.join().then(() => this.#exited(w))));
    }
  }

  /** Notices the worker's end while the pool is busy, without holding the program after. */
  #watch(w: PoolWorker): void {
    const busy = this.#busy;
    if (!busy || w.dead || w.watched) return;
    w.watched = true;
    w.process.join({ signal: busy.signal }).then(
      () => this.#exited(w),
      () => void (w.watched = false),
    );
  }

  #exited(w: PoolWorker): void {
    try {
      this.#onExit(w);
    } catch (error) {
      console.error("Pool: error handling a worker's exit:", error);
    }
  }

  #spawn(): void {
    const o = this.#options;
    const tasks = Channel.create(0);
    const control = new SharedArrayBuffer(CTL_WORDS * 4);
    const setup: WorkerSetup = {
      tasks: tasks.sab,
      results: this.#results.sab,
      control,
      initializer: o.initializer,
      maxTasks: o.maxTasks,
      executor: o.executor ?? false,
    };
    const options: ProcessOptions<[WorkerSetup, unknown[]]> & { [START_METHOD]?: StartMethod } = {
      target: poolWorkerMain,
      args: [setup, o.initargs],
      daemon: true,
      name: `${o.name}-${nextWorkerNumber++}`,
      module: WORKER_MODULE,
      [START_METHOD]: o.startMethod,
    };
    const process = new Process(options);
    process.start();
    const w: PoolWorker = {
      process,
      tasks,
      control: new Int32Array(control),
      outstanding: new Set(),
      loaded: new Set(),
      sent: 0,
      exclusive: false,
      retired: false,
      dead: false,
      watched: false,
    };
    this.#workers.push(w);
    this.#watch(w);
  }

  // A worker is started for a task only when no started one is idle, up to
  // `processes`; a worker still running its last tasks before retiring
  // counts, so that no more than `processes` tasks ever run at once.
  #grow(): void {
    let live = 0;
    let idle = 0;
    for (const w of this.#workers) {
      if (w.dead) continue;
      live++;
      if (!w.retired && w.outstanding.size === 0) idle++;
    }
    if (live < this.#options.processes && idle < this.#queued()) this.#replace();
  }

  #depth(): number {
    const avg = this.#avgMicros;
    if (avg < 0) return 2;
    if (avg >= SLOW_US) return 1;
    return Math.min(MAX_DEPTH, 1 + Math.ceil(DEPTH_TARGET_US / Math.max(avg, 1)));
  }

  #peek(): Task | undefined {
    const q = this.#queue;
    while (this.#queueHead < q.length && q[this.#queueHead].state !== QUEUED) this.#take();
    if (this.#queueHead > 1024 && this.#queueHead * 2 > q.length) {
      q.splice(0, this.#queueHead);
      this.#queueHead = 0;
    }
    return q[this.#queueHead];
  }

  /** Takes the head of the queue, leaving no reference behind (its arguments may be large). */
  #take(): Task {
    const task = this.#queue[this.#queueHead];
    this.#queue[this.#queueHead++] = undefined as unknown as Task;
    return task;
  }

  #queued(): number {
    return this.#queue.length - this.#queueHead;
  }

  /** Whether `w` may be given tasks now: started (see READY), not stopping, not full. */
  #eligible(w: PoolWorker): boolean {
    const max = this.#options.maxTasks;
    return !w.dead && !w.retired && !w.exclusive && Atomics.load(w.control, CTL_READY) === 1 &&
      (max === 0 || w.sent < max);
  }

  /** Whether a worker that will take tasks is still starting. */
  #starting(): boolean {
    return this.#workers.some((w) =>
      !w.dead && !w.retired && Atomics.load(w.control, CTL_READY) === 0
    );
  }

  #dispatch(): void {
    if (this.#state === "terminated") return;
    // While a worker is still starting, each started one holds one task at
    // a time, as from Python's shared task queue: tasks go to whichever is
    // free when it asks, so that none waits behind another on the first
    // worker up while the next could run it once started.
    const depth = this.#starting() ? 1 : this.#depth();
    for (let head = this.#peek(); head !== undefined; head = this.#peek()) {
      if (head.timed) {
        // A task with a clock runs alone on its worker, so that stopping
        // the worker stops nothing else.
        const w = this.#workers.find((w) => this.#eligible(w) && w.outstanding.size === 0);
        if (!w) return;
        this.#take();
        w.exclusive = true;
        this.#send(w, [head]);
        continue;
      }
      let best: PoolWorker | undefined;
      let free = 0;
      // A worker is topped up once it is down to half its depth, so that
      // fast tasks go in batches of at least half the depth.
      const low = depth >= 4 ? depth >> 1 : depth - 1;
      for (const w of this.#workers) {
        if (!this.#eligible(w) || w.outstanding.size > low) continue;
        free++;
        if (!best || w.outstanding.size < best.outstanding.size) best = w;
      }
      if (!best) return;
      const max = this.#options.maxTasks;
      let n = Math.min(depth - best.outstanding.size, Math.ceil(this.#queued() / free));
      if (max > 0) n = Math.min(n, max - best.sent);
      const batch: Task[] = [];
      let items = 0;
      for (
        let t = this.#peek();
        t && !t.timed && batch.length < n && items < BATCH_ITEMS;
        t = this.#peek()
      ) {
        batch.push(this.#take());
        items += itemCount(t);
      }
      this.#send(best, batch);
    }
  }

  #send(w: PoolWorker, batch: Task[]): void {
    const records: unknown[] = [];
    const loads: number[] = [];
    for (const t of batch) {
      if (!w.loaded.has(t.fnId)) {
        w.loaded.add(t.fnId);
        loads.push(t.fnId);
        records.push([LOAD, t.fnId, t.ref]);
      }
      records.push([t.kind, t.id, t.fnId, chunkOf(t), t.timed]);
    }
    try {
      w.tasks.tryPut(records, "task");
    } catch (putError) {
      // Something in the batch cannot be sent: send what can, one by one,
      // and fail the rest with the codec's message naming the value.
      for (const id of loads) w.loaded.delete(id);
      const ok: Task[] = [];
      for (const t of batch) {
        try {
          if (t.kind === APPLY) {
            scratch.pos = 0;
            encode(t.payload, scratch, "args");
          } else {
            // A chunk's items are named by their place in the whole input.
            const at = t.offset ?? 0;
            for (let i = 0; i < t.payload.length; i++) {
              scratch.pos = 0;
              encode(t.payload[i], scratch, `items[${at + i}]`);
            }
          }
          ok.push(t);
        } catch (error) {
          this.#settle(t, false, error);
        }
      }
      if (scratch.u8.length > 1 << 20) scratch = new Writer();
      if (ok.length === batch.length) {
        for (const t of ok) {
          this.#settle(
            t,
            false,
            new Error("A task could not be sent to its worker", { cause: putError }),
          );
        }
      } else if (ok.length > 0) this.#send(w, ok);
      return;
    }
    for (const t of batch) {
      t.state = SENT;
      t.worker = w;
      w.outstanding.add(t);
      w.sent++;
      t.onDispatch?.();
    }
    // It ends by itself after these; its successor starts once it has
    // ended (#onExit), so that no more than `processes` workers ever run.
    if (this.#options.maxTasks > 0 && w.sent >= this.#options.maxTasks) w.retired = true;
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    clearTimeout(this.#grace);
    this.#busy ??= new AbortController();
    for (const w of this.#workers) this.#watch(w);
    const results = this.#results;
    // The last look before a sleep: a message, or IDLE once nothing is
    // outstanding (a #kick wakes the sleep to re-check that).
    const look = (): unknown => {
      const message = results.tryGet("reused");
      if (message !== NOTHING) return message;
      return this.#outstanding === 0 ? IDLE : AGAIN;
    };
    let lastYield = performance.now();
    try {
      while (this.#outstanding > 0) {
        let n = 0;
        for (; n < DRAIN_BATCH; n++) {
          const message = results.tryGet("reused");
          if (message === NOTHING) break;
          this.#onResults(message);
        }
        if (n > 0) {
          this.#dispatch();
          if (performance.now() - lastYield > YIELD_MS) {
            await new Promise((resolve) => setTimeout(resolve, 0));
            lastYield = performance.now();
          }
          continue;
        }
        const message = await results.sleepReadable(look, performance.now() + 1000);
        if (message === IDLE) break;
        if (message !== AGAIN) {
          this.#onResults(message);
          this.#dispatch();
          continue;
        }
        lastYield = performance.now();
      }
    } catch (error) {
      // A result that cannot be read leaves the channel untrustworthy: every
      // outstanding task fails now rather than waiting for a result forever.
      this.#break(this.#options.brokenError("A pool's results could not be read", error));
    } finally {
      this.#pumping = false;
      // Stay a moment longer: what the workers printed travels to this
      // thread by message, after their results, and would be lost if the
      // program ended at once.
      if (this.#state === "running" || this.#state === "closed") {
        this.#grace = setTimeout(() => this.#unwatch(), GRACE_MS);
      } else this.#unwatch();
    }
  }

  #unwatch(): void {
    clearTimeout(this.#grace);
    this.#busy?.abort();
    this.#busy = null;
  }

  /** Wakes the pump so that it re-checks what changed outside it. */
  #kick(): void {
    this.#results.wakeReaders();
  }

  #onResults(message: unknown): void {
    for (const result of unpack(message as Uint8Array) as ResultMessage[]) this.#onResult(result);
  }

  #onResult([id, status, value, micros]: ResultMessage): void {
    // A worker now started: the dispatch after these results gives it tasks.
    if (status === READY) return;
    const task = this.#tasks.get(id);
    if (!task) return;
    if (status === STARTED) {
      if (task.timeout !== undefined && task.state !== DONE) {
        task.timer = setTimeout(
          () => this.#stopTask(task, new TimeoutError(`Task timed out after ${task.timeout} ms`)),
          task.timeout,
        );
      }
      return;
    }
    this.#avgMicros = this.#avgMicros < 0 ? micros : this.#avgMicros * 0.8 + micros * 0.2;
    task.runMicros = micros;
    const w = task.worker;
    if (w) {
      w.outstanding.delete(task);
      if (w.exclusive && w.outstanding.size === 0) w.exclusive = false;
    }
    if (status === OK) {
      this.#settle(task, true, value);
    } else this.#settle(task, false, deserializeError(value as ErrorData));
  }

  /** Stops a task by its timeout or signal: a queued one leaves the queue, a sent one takes its worker down. */
  #stopTask(task: Task, reason: unknown): void {
    if (task.state === DONE) return;
    const w = task.worker;
    this.#settle(task, false, reason);
    if (w && !w.dead) {
      w.retired = true;
      w.process.kill();
    }
  }

  /** Bookkeeping of a task that is over; false if it already was. */
  #finish(task: Task): boolean {
    if (task.state === DONE) return false;
    task.state = DONE;
    if (task.timer !== undefined) clearTimeout(task.timer);
    if (task.onAbort) task.signal!.removeEventListener("abort", task.onAbort);
    this.#tasks.delete(task.id);
    task.worker?.outstanding.delete(task);
    this.#outstanding--;
    if (this.#outstanding === 0) {
      for (const resolve of this.#idle.splice(0)) resolve();
      this.#kick();
    }
    return true;
  }

  #settle(task: Task, ok: boolean, value: unknown): void {
    if (!this.#finish(task)) return;
    if (ok) task.resolve(value);
    else task.reject(value);
  }

  #failAll(error: Error): void {
    for (const task of [...this.#tasks.values()]) this.#settle(task, false, error);
    this.#queue = [];
    this.#queueHead = 0;
  }

  #replace(): void {
    try {
      this.#spawn();
    } catch (error) {
      this.#break(this.#options.brokenError("A pool worker could not be started", error));
    }
  }

  #break(error: Error): void {
    if (this.#broken) return;
    this.#broken = error;
    for (const w of this.#workers) {
      w.retired = true;
      if (!w.dead && w.process.isAlive()) w.process.terminate();
    }
    this.#failAll(error);
  }

  #onExit(w: PoolWorker): void {
    if (w.dead) return;
    w.dead = true;
    // Forget it, so that a pool replacing workers often (maxtasksperchild)
    // neither grows nor slows down.
    this.#workers = this.#workers.filter((x) => x !== w);
    // Its last results may still be in the channel: they count.
    for (
      let m = this.#results.tryGet("reused");
      m !== NOTHING;
      m = this.#results.tryGet("reused")
    ) {
      this.#onResults(m);
    }
    const lost = [...w.outstanding].filter((t) => t.state !== DONE);
    w.outstanding.clear();
    if (this.#state === "terminated" || this.#broken) return;
    const code = w.process.exitcode;
    const unexpected = !w.retired || lost.length > 0;
    if (unexpected && Atomics.load(w.control, CTL_READY) === 0) {
      const cause = w.process.error;
      this.#break(this.#options.brokenError(
        `Pool worker ${w.process.name} failed to start (exit code ${code})` +
          (cause ? `: ${cause.message}` : ""),
        cause,
      ));
      return;
    }
    if (unexpected) {
      const running = Atomics.load(w.control, CTL_RUNNING);
      const message = `Pool worker ${w.process.name} ended (exit code ${code}) ` +
        "while running this task";
      if (this.#options.onDeath === "break") {
        this.#break(this.#options.brokenError(
          "A process in the process pool was terminated abruptly while the future was " +
            "running or pending",
          new WorkerLostError(message, code, { cause: w.process.error }),
        ));
        return;
      }
      const requeue: Task[] = [];
      for (const t of lost) {
        if (t.id === running) {
          this.#settle(t, false, new WorkerLostError(message, code, { cause: w.process.error }));
        } else {
          t.state = QUEUED;
          t.worker = null;
          requeue.push(t);
        }
      }
      if (requeue.length > 0) {
        this.#queue.splice(this.#queueHead, 0, ...requeue);
      }
    }
    if (!w.retired || (this.#state !== "stopping" && this.#needsWorker())) this.#replace();
    this.#dispatch();
    this.#kick();
  }

  /** Whether a retired worker that ended needs a successor. */
  #needsWorker(): boolean {
    const live = this.#workers.filter((x) => !x.dead && !x.retired).length;
    if (live >= this.#options.processes) return false;
    return this.#options.executor
      ? this.#queued() > 0
      : this.#state === "running" || this.#outstanding > 0;
  }
}
