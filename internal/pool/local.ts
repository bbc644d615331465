/**
 * The scheduler under `ThreadPool`: the same task specs as the process pool's
 * scheduler (`core.ts`), run on this thread's event loop by `processes`
 * lanes, each running one task at a time, as Python's `ThreadPool` runs them
 * on its threads. Nothing is copied and closures work; the initializer runs
 * once per lane, before its first task and again after `maxTasks` tasks (a
 * fresh "thread").
 *
 * A task's `timeout` or `signal` settles it and frees its lane; the call
 * itself cannot be stopped (it shares this thread) and its result is
 * dropped.
 *
 * @module
 */

import type { CoreOptions, Scheduler, TaskSpec } from "./core.ts";
import { APPLY, MAP } from "./protocol.ts";
import { TimeoutError } from "../errors.ts";

type Fn = (...args: unknown[]) => unknown;

interface Lane {
  /** Tasks run since its initializer ran. */
  ran: number;
  /** Whether its initializer has run. */
  ready: boolean;
  /** Whether it is running tasks now. */
  busy: boolean;
}

/** Options for {@linkcode LocalCore}. */
export interface LocalOptions extends Omit<CoreOptions, "initializer" | "onDeath" | "name"> {
  /** Called with `initargs` by each lane before its first task. */
  initializer: Fn | null;
}

/** Runs pool tasks on this thread, at most `processes` at a time. */
export class LocalCore implements Scheduler {
  #options: LocalOptions;
  #lanes: Lane[] = [];
  #queue: TaskSpec[] = [];
  #outstanding = new Set<TaskSpec>();
  #state: "running" | "closed" | "terminated" = "running";
  #broken: Error | null = null;
  #stopReason: Error | null = null;
  #idle: Array<() => void> = [];
  // Per outstanding task: what frees its lane and unhooks its signal once it
  // settles, however it settles (its end, timeout, signal, terminate()).
  #cleanup = new Map<TaskSpec, () => void>();

  /** Makes `options.processes` idle lanes. */
  constructor(options: LocalOptions) {
    this.#options = options;
    for (let i = 0; i < options.processes; i++) {
      this.#lanes.push({ ran: 0, ready: false, busy: false });
    }
  }

  /** The error that broke the pool (a failed initializer), or null. */
  get broken(): Error | null {
    return this.#broken;
  }

  /** Whether tasks can still run. */
  get alive(): boolean {
    return this.#broken === null && this.#stopReason === null;
  }

  /** Whether new tasks are accepted. */
  get running(): boolean {
    return this.#state === "running";
  }

  /** Queues a task; a free lane starts it a microtask later. */
  submit(spec: TaskSpec): void {
    const stop = this.#broken ?? this.#stopReason;
    if (stop) return spec.reject(stop);
    const signal = spec.signal;
    if (signal?.aborted) return spec.reject(signal.reason);
    this.#outstanding.add(spec);
    if (signal) {
      const onAbort = (): void => {
        const at = this.#queue.indexOf(spec);
        if (at >= 0) this.#queue.splice(at, 1);
        this.#settle(spec, false, signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#cleanup.set(spec, () => signal.removeEventListener("abort", onAbort));
    }
    this.#queue.push(spec);
    queueMicrotask(() => this.#dispatch());
  }

  /** Cancels a task no lane has started; returns whether it was. */
  cancel(spec: TaskSpec): boolean {
    const at = this.#queue.indexOf(spec);
    if (at < 0) return false;
    this.#queue.splice(at, 1);
    this.#done(spec);
    return true;
  }

  /** Accepts no more tasks; queued ones still run. */
  close(): void {
    if (this.#state === "running") this.#state = "closed";
  }

  /** Waits for the outstanding tasks. */
  join(): Promise<void> {
    if (this.#outstanding.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Fails every outstanding task with `reason`; calls in flight run on, unheard. */
  terminate(reason: Error): Promise<void> {
    if (this.#state !== "terminated") {
      this.#state = "terminated";
      this.#stopReason = reason;
      this.#failAll(reason);
    }
    return Promise.resolve();
  }

  #dispatch(): void {
    for (const lane of this.#lanes) {
      if (this.#queue.length === 0 || !this.alive) return;
      if (lane.busy) continue;
      void this.#run(lane);
    }
  }

  async #run(lane: Lane): Promise<void> {
    lane.busy = true;
    try {
      while (this.#queue.length > 0 && this.alive) {
        const o = this.#options;
        if (!lane.ready) {
          if (o.initializer) {
            try {
              await o.initializer(...o.initargs);
            } catch (error) {
              this.#break(o.brokenError("A ThreadPool initializer failed", error));
              return;
            }
          }
          lane.ready = true;
        }
        const spec = this.#queue.shift()!;
        await this.#runTask(spec);
        if (o.maxTasks > 0 && ++lane.ran >= o.maxTasks) {
          lane.ran = 0;
          lane.ready = false;
        }
      }
    } finally {
      lane.busy = false;
    }
  }

  /** Runs one task; its lane is free at its end, its timeout or its signal, whichever is first. */
  async #runTask(spec: TaskSpec): Promise<void> {
    if (!this.#outstanding.has(spec)) return;
    spec.onDispatch?.();
    const stopped = new Promise<void>((resolve) => {
      const unhook = this.#cleanup.get(spec);
      let timer: ReturnType<typeof setTimeout> | undefined;
      if (spec.timeout !== undefined) {
        timer = setTimeout(
          () =>
            this.#settle(spec, false, new TimeoutError(`Task timed out after ${spec.timeout} ms`)),
          spec.timeout,
        );
      }
      this.#cleanup.set(spec, () => {
        clearTimeout(timer);
        unhook?.();
        resolve();
      });
    });
    call(spec).then(
      (value) => this.#settle(spec, true, value),
      (error) => this.#settle(spec, false, error),
    );
    await stopped;
  }

  #settle(spec: TaskSpec, ok: boolean, value: unknown): void {
    if (!this.#outstanding.has(spec)) return;
    this.#done(spec);
    if (ok) spec.resolve(value);
    else spec.reject(value);
  }

  #done(spec: TaskSpec): void {
    this.#outstanding.delete(spec);
    this.#cleanup.get(spec)?.();
    this.#cleanup.delete(spec);
    if (this.#outstanding.size === 0) { for (const resolve of this.#idle.splice(0)) resolve(); }
  }

  #failAll(error: Error): void {
    this.#queue = [];
    for (const spec of [...this.#outstanding]) this.#settle(spec, false, error);
  }

  #break(error: Error): void {
    if (this.#broken) return;
    this.#broken = error;
    this.#failAll(error);
  }
}

/** One task's value: a call (APPLY) or a chunk's items one after another. */
async function call(spec: TaskSpec): Promise<unknown> {
  const fn = spec.fn as Fn;
  // A microtask later, so that the caller's submit() returns first.
  await undefined;
  if (spec.kind === APPLY) return await fn(...(spec.payload as unknown[]));
  const items = spec.payload as ArrayLike<unknown>;
  const out = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    out[i] = await (spec.kind === MAP ? fn(items[i]) : fn(...(items[i] as unknown[])));
  }
  return out;
}
