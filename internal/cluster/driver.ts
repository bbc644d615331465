/**
 * The cluster's scheduler, under the same `Pool` and executor front ends as
 * the local one (it fills in `Scheduler` where `PoolCore` does): tasks go to
 * a JetStream work-queue stream that every `tsmp-worker` pulls from, and
 * results come back on a stream subject of this driver's own, read through
 * a durable consumer.
 *
 * Why this holds together when things fail:
 * - a task leaves the stream only when a worker acks it, and a worker acks
 *   only after the server has stored its result; a worker that dies or goes
 *   silent loses the task to another worker after the consumer's `ack_wait`;
 * - the delivery count travels with each delivery, so the worker that gets
 *   a task once too often reports it lost instead of running it;
 * - results wait in the stream while this driver is away (reconnecting),
 *   and a result for a task already settled (it ran twice) is dropped here:
 *   the caller sees each task settle once;
 * - a publish whose acknowledgement was lost is retried with the same
 *   message id, which the stream stores once.
 *
 * @module
 */

import { deserializeError, type ErrorData, TimeoutError } from "../errors.ts";
import type { Scheduler, TaskSpec } from "../pool/core.ts";
import { WorkerLostError } from "../pool/errors.ts";
import {
  ensureCluster,
  jetstream,
  type JetStreamClient,
  type JsMsg,
  type NatsConnection,
  open,
} from "./nats.ts";
import { APPLY } from "../pool/protocol.ts";
import {
  FAILED,
  type FnRecord,
  LOST,
  type Names,
  names,
  OK,
  packPortable,
  type ResultRecord,
  type TaskRecord,
  TIMEOUT,
  tooBig,
  unpackPortable,
  VERSION,
} from "./protocol.ts";
import type { TargetRef } from "../target/resolve.ts";
import process from "node:process";

/** What a cluster front end hands {@linkcode ClusterCore}. */
export interface ClusterCoreOptions {
  /** `nats://host:port` URLs. */
  servers: string[];
  /** The project root (absolute path) module paths are taken relative to. */
  root: string;
  /** Prefix of the cluster's subjects and streams. */
  prefix: string;
  /** Deliveries of a task (its worker lost each time) before it fails with WorkerLostError. */
  maxDeliveries: number;
  /** Milliseconds a silent worker keeps a task before another gets it. */
  ackWait: number;
  /** Milliseconds the first connection may take. */
  connectTimeout: number;
  /** Milliseconds to keep reconnecting after losing the server. */
  reconnectFor: number;
  /** Builds the error that breaks the scheduler (connection failed or lost). */
  brokenError(message: string, cause?: unknown): Error;
}

const QUEUED = 0;
const PUBLISHING = 1;
const PUBLISHED = 2;
const DONE = 3;

interface Task {
  id: number;
  spec: TaskSpec;
  fn: Fn;
  /** Its record in a task message (see protocol.ts); null once settled. */
  record: TaskRecord | null;
  /** Encoded bytes of the record (checked at submit), for sizing messages. */
  size: number;
  state: number;
  /** Runs alone in its message (it has a timeout or a signal). */
  alone: boolean;
  /** The message it travels in, once it has one. */
  batch: Batch | null;
  onAbort?: () => void;
}

/** One task message: several quick tasks, or one with a timeout or signal. */
interface Batch {
  tasks: Task[];
  bytes: Uint8Array;
  /** Stream sequence, once stored. */
  seq: number;
  /** When publishing was first tried (retries stop after `reconnectFor`). */
  firstTry: number;
}

interface Fn {
  id: number;
  record: FnRecord;
}

// Publishes awaiting their acknowledgement at once.
const WINDOW = 256;
// Wait for one publish acknowledgement, and between retries.
const PUBLISH_TIMEOUT_MS = 5_000;
const RETRY_MS = 250;
// Tasks per message, at most, and the run time (µs) a message's tasks aim
// for; tasks slower than that go one per message (so that no task waits
// behind another on one worker while a second worker idles).
const MAX_BATCH = 256;
const BATCH_TARGET_US = 5_000;
// Encoded bytes per message, at most (servers take 1 MB by default).
const MAX_BATCH_BYTES = 256 * 1024;
// Results this driver has asked the server for and not yet read.
const RESULT_BATCH = 512;
// A driver's results consumer outlives a driver gone for good by this long.
const CONSUMER_IDLE_MS = 3600_000;
// The most any cleanup with the server may take.
const CLEANUP_MS = 3_000;

/** The cluster's scheduler (see the module doc). */
export class ClusterCore implements Scheduler {
  #o: ClusterCoreOptions;
  #names: Names;
  #driverId = crypto.randomUUID().replaceAll("-", "");
  #reply: string;
  #nc: NatsConnection | null = null;
  #js: JetStreamClient | null = null;
  #ready: Promise<void>;
  #tasks = new Map<number, Task>();
  #pending: Task[] = [];
  #pendingHead = 0;
  #bySpec = new WeakMap<TaskSpec, Task>();
  #inFlight = 0;
  #nextId = 1;
  #outstanding = 0;
  #idle: Array<() => void> = [];
  #fns = new WeakMap<TargetRef, Fn>();
  #nextFnId = 1;
  // Mean run time of this driver's tasks (µs), -1 until a result says.
  #avgMicros = -1;
  #state: "running" | "closed" | "stopping" | "terminated" = "running";
  #broken: Error | null = null;
  #stopReason: Error | null = null;
  #stopped: Promise<void> | null = null;
  #flushScheduled = false;

  /** Starts connecting; tasks submitted meanwhile wait for the connection. */
  constructor(options: ClusterCoreOptions) {
    this.#o = options;
    this.#names = names(options.prefix);
    this.#reply = this.#names.results(this.#driverId);
    this.#ready = this.#connect();
    // A failed connection breaks the scheduler; nobody need await this.
    this.#ready.catch(() => {});
  }

  /** The error that broke it (connection failed or lost), or null. */
  get broken(): Error | null {
    return this.#broken;
  }

  /** Whether tasks can still run. */
  get alive(): boolean {
    return this.#broken === null && this.#stopReason === null;
  }

  /** Whether new tasks are accepted. */
  get running(): boolean {
    return this.#state === "running" && this.#broken === null;
  }

  /** Resolves once connected and the cluster's streams exist; rejects with the broken error. */
  get ready(): Promise<void> {
    return this.#ready;
  }

  async #connect(): Promise<void> {
    const o = this.#o;
    try {
      const nc = await open({
        servers: o.servers,
        name: `tsmp-driver ${this.#driverId}`,
        reconnectFor: o.reconnectFor,
        connectTimeout: o.connectTimeout,
      });
      this.#nc = nc;
      void nc.closed().then((error) => {
        if (this.#state === "running" || this.#state === "closed") {
          this.#break(o.brokenError(
            `Lost the connection to the NATS server at ${o.servers.join(", ")}`,
            error ?? undefined,
          ));
        }
      });
      const jsm = await ensureCluster(nc, this.#names, o.ackWait);
      const consumer = `driver_${this.#driverId}`;
      await jsm.consumers.add(this.#names.resultsStream, {
        durable_name: consumer,
        filter_subject: this.#reply,
        ack_policy: "explicit",
        inactive_threshold: CONSUMER_IDLE_MS * 1_000_000,
      });
      this.#js = jetstream(nc);
      const messages = await this.#js.consumers.get(this.#names.resultsStream, consumer)
        .then((c) => c.consume({ max_messages: RESULT_BATCH }));
      void (async () => {
        for await (const m of messages) this.#onResult(m);
      })().catch((error) => {
        if (this.alive) this.#break(o.brokenError("Reading results failed", error));
      });
    } catch (error) {
      const broken = o.brokenError(
        error instanceof Error && error.message.startsWith("Could not connect")
          ? error.message
          : `Could not set up the cluster on ${o.servers.join(", ")}`,
        error,
      );
      this.#break(broken);
      throw broken;
    }
    this.#flush();
  }

  /**
   * Queues a task.
   *
   * @throws {TypeError} For arguments that cannot travel portably (naming their path),
   * or a function whose module lies outside the project root.
   */
  submit(spec: TaskSpec): void {
    if (this.#broken || this.#stopReason) {
      spec.reject(this.#broken ?? this.#stopReason);
      return;
    }
    const id = this.#nextId++;
    const fn = this.#fn(spec.ref);
    const stoppable = spec.timeout !== undefined || spec.signal !== undefined;
    const record: TaskRecord = [id, spec.kind, fn.id, spec.payload, spec.timeout ?? -1, stoppable];
    let size: number;
    try {
      // Encoded now, to refuse at submit what cannot travel (again in its message).
      size = packPortable(record, "").length;
    } catch (error) {
      // Again, item by item, for the error to name the argument's path.
      if (spec.kind === APPLY) packPortable(spec.payload, "args");
      else {
        const at = spec.offset ?? 0;
        for (let i = 0; i < spec.payload.length; i++) {
          packPortable(spec.payload[i], `items[${at + i}]`);
        }
      }
      throw error;
    }
    if (spec.signal?.aborted) {
      spec.reject(spec.signal.reason);
      return;
    }
    const task: Task = {
      id,
      spec,
      fn,
      record,
      size,
      state: QUEUED,
      alone: spec.timeout !== undefined || spec.signal !== undefined,
      batch: null,
    };
    if (spec.signal) {
      task.onAbort = () => this.#stopTask(task, spec.signal!.reason);
      spec.signal.addEventListener("abort", task.onAbort, { once: true });
    }
    this.#tasks.set(id, task);
    this.#bySpec.set(spec, task);
    this.#outstanding++;
    this.#pending.push(task);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => {
        this.#flushScheduled = false;
        this.#flush();
      });
    }
  }

  #fn(ref: TargetRef): Fn {
    let fn = this.#fns.get(ref);
    if (fn) return fn;
    const modules: string[] = [];
    for (const url of ref.modules) {
      if (!url.startsWith("file:")) continue;
      const path = relativePath(this.#o.root, url);
      if (path === null) {
        throw new TypeError(
          `'func' (${ref.name}) is exported from ${url}, outside the cluster's project root ` +
            `${this.#o.root}: workers find functions by their path under the root both sides ` +
            "share (set the 'root' option)",
        );
      }
      modules.push(path);
    }
    fn = { id: this.#nextFnId++, record: [ref.name, ref.source, modules, ref.isClass] };
    this.#fns.set(ref, fn);
    return fn;
  }

  /** Tasks per message now: many while tasks are quick, one while they are slow or unknown. */
  #batchSize(): number {
    const avg = this.#avgMicros;
    if (avg < 0) return 1;
    return Math.max(1, Math.min(MAX_BATCH, Math.floor(BATCH_TARGET_US / Math.max(avg, 1))));
  }

  /** The next message's tasks, from the queue. */
  #nextBatch(): Task[] {
    const tasks: Task[] = [];
    const limit = this.#batchSize();
    let bytes = 0;
    while (this.#pendingHead < this.#pending.length) {
      const task = this.#pending[this.#pendingHead];
      if (task.state !== QUEUED) {
        this.#pendingHead++;
        continue;
      }
      if (tasks.length > 0 && (task.alone || bytes + task.size > MAX_BATCH_BYTES)) break;
      this.#pendingHead++;
      tasks.push(task);
      bytes += task.size;
      if (task.alone || tasks.length >= limit) break;
    }
    if (this.#pendingHead === this.#pending.length) {
      this.#pending = [];
      this.#pendingHead = 0;
    }
    return tasks;
  }

  #flush(): void {
    if (!this.#js || this.#state === "terminated") return;
    while (this.#inFlight < WINDOW) {
      const tasks = this.#nextBatch();
      if (tasks.length === 0) return;
      const fns = new Map<number, FnRecord>();
      for (const t of tasks) {
        fns.set(t.fn.id, t.fn.record);
        t.state = PUBLISHING;
      }
      const bytes = packPortable([
        VERSION,
        this.#driverId,
        this.#reply,
        this.#o.maxDeliveries,
        [...fns],
        tasks.map((t) => t.record),
      ], "");
      // Over the server's limit, a message is refused however often it is
      // sent: its tasks fail now, saying why.
      const max = this.#nc?.info?.max_payload;
      if (max !== undefined && bytes.length > max) {
        const failure = tooBig("A task's message", bytes.length, max);
        for (const t of tasks) this.#settle(t, false, failure);
        continue;
      }
      const batch: Batch = { tasks, bytes, seq: 0, firstTry: performance.now() };
      for (const t of tasks) t.batch = batch;
      this.#publish(batch);
    }
  }

  #publish(batch: Batch): void {
    this.#inFlight++;
    this.#js!.publish(this.#names.tasks, batch.bytes, {
      // The same id on a retry: the stream stores the message once.
      msgID: `${this.#driverId}.${batch.tasks[0].id}`,
      timeout: PUBLISH_TIMEOUT_MS,
    }).then(
      (ack) => {
        batch.seq = ack.seq;
        for (const t of batch.tasks) {
          if (t.state !== PUBLISHING) continue;
          t.state = PUBLISHED;
          t.spec.onDispatch?.();
        }
      },
      (error) => {
        const live = batch.tasks.filter((t) => t.state === PUBLISHING);
        if (live.length === 0 || this.#state === "terminated") return;
        if (performance.now() - batch.firstTry > this.#o.reconnectFor) {
          const failure = new Error("A task could not be sent to the cluster", { cause: error });
          for (const t of live) this.#settle(t, false, failure);
          return;
        }
        setTimeout(() => {
          if (this.#state !== "terminated") this.#publish(batch);
        }, RETRY_MS);
      },
    ).finally(() => {
      this.#inFlight--;
      this.#flush();
    });
  }

  #onResult(m: JsMsg): void {
    let results: ResultRecord[];
    try {
      results = unpackPortable(m.data) as ResultRecord[];
    } catch (error) {
      console.error("ClusterPool: dropped results it could not read:", error);
      m.ack();
      return;
    }
    m.ack();
    for (const [id, status, value, micros] of results) {
      if (micros >= 0) {
        this.#avgMicros = this.#avgMicros < 0 ? micros : this.#avgMicros * 0.8 + micros * 0.2;
      }
      const task = this.#tasks.get(id);
      // Settled already: the task ran twice (redelivered), or was stopped.
      if (!task) continue;
      if (status === OK) this.#settle(task, true, value);
      else if (status === FAILED) this.#settle(task, false, deserializeError(value as ErrorData));
      else if (status === TIMEOUT) this.#settle(task, false, new TimeoutError(value as string));
      else if (status === LOST) {
        this.#settle(task, false, new WorkerLostError(value as string, null));
      } else this.#settle(task, false, new Error(`Unknown result status ${status} from a worker`));
    }
  }

  /** Cancels a task not yet handed to the cluster; returns whether it was. */
  cancel(spec: TaskSpec): boolean {
    const task = this.#bySpec.get(spec);
    // Left in #pending: #flush skips what is no longer QUEUED.
    return task !== undefined && task.state === QUEUED && this.#finish(task);
  }

  /** A task's signal fired: it settles now, and leaves the cluster (or its worker stops it). */
  #stopTask(task: Task, reason: unknown): void {
    const sent = task.state === PUBLISHED || task.state === PUBLISHING;
    this.#settle(task, false, reason);
    if (sent) void this.#withdraw([task]);
  }

  /** Takes published tasks back: out of the stream if no worker has them, else stopped by their workers. */
  async #withdraw(tasks: Task[] | null): Promise<void> {
    const nc = this.#nc;
    if (!nc || nc.isClosed()) return;
    try {
      nc.publish(
        this.#names.cancel,
        packPortable([this.#driverId, tasks ? tasks.map((t) => t.id) : null], ""),
      );
      const jsm = await this.#js!.jetstreamManager();
      // A message leaves the stream only once none of its tasks is wanted.
      const seqs = new Set<number>();
      for (const t of tasks ?? []) {
        const batch = t.batch;
        if (batch && batch.seq > 0 && batch.tasks.every((x) => x.state === DONE)) {
          seqs.add(batch.seq);
        }
      }
      await bounded(
        Promise.allSettled(
          [...seqs].map((seq) => jsm.streams.deleteMessage(this.#names.tasksStream, seq)),
        ),
      );
    } catch {
      // Best effort: a worker that gets the task anyway finds it cancelled,
      // or its result is dropped here.
    }
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

  /** After `close()`: waits for the outstanding tasks, then disconnects. */
  async join(): Promise<void> {
    await this.idle();
    if (this.#state === "closed") this.#state = "stopping";
    await this.#stop();
  }

  /** Cancels every outstanding task (workers stop those they run) and disconnects. */
  async terminate(reason: Error): Promise<void> {
    if (this.#state !== "terminated") {
      this.#state = "terminated";
      this.#stopReason = reason;
      const published = [...this.#tasks.values()].filter((t) => t.state !== QUEUED);
      this.#failAll(reason);
      await this.#ready.catch(() => {});
      if (published.length > 0) await this.#withdraw(published);
    }
    await this.#stop();
  }

  /** Removes this driver's consumer and closes the connection, once, in bounded time. */
  #stop(): Promise<void> {
    this.#stopped ??= (async () => {
      await this.#ready.catch(() => {});
      const nc = this.#nc;
      if (!nc || nc.isClosed()) return;
      try {
        const jsm = await this.#js!.jetstreamManager();
        await bounded(jsm.consumers.delete(this.#names.resultsStream, `driver_${this.#driverId}`));
        await bounded(jsm.streams.purge(this.#names.resultsStream, { filter: this.#reply }));
      } catch {
        // The server drops an idle consumer by itself after a while.
      }
      await bounded(nc.drain()).catch(() => {});
      if (!nc.isClosed()) await nc.close();
    })();
    return this.#stopped;
  }

  #finish(task: Task): boolean {
    if (task.state === DONE) return false;
    task.state = DONE;
    task.record = null;
    // (task.batch stays: #withdraw reads which message the task was in.)
    if (task.onAbort) task.spec.signal!.removeEventListener("abort", task.onAbort);
    this.#tasks.delete(task.id);
    this.#outstanding--;
    if (this.#outstanding === 0) { for (const resolve of this.#idle.splice(0)) resolve(); }
    return true;
  }

  #settle(task: Task, ok: boolean, value: unknown): void {
    if (!this.#finish(task)) return;
    if (ok) task.spec.resolve(value);
    else task.spec.reject(value);
  }

  #failAll(error: Error): void {
    for (const task of [...this.#tasks.values()]) this.#settle(task, false, error);
    this.#pending = [];
    this.#pendingHead = 0;
  }

  #break(error: Error): void {
    if (this.#broken || this.#state === "terminated") return;
    this.#broken = error;
    this.#failAll(error);
    void this.#stop();
  }
}

/** `url`'s path relative to `root`, with `/` separators; null if outside it. */
function relativePath(root: string, url: string): string | null {
  const path = process.getBuiltinModule("node:path") as typeof import("node:path");
  const { fileURLToPath } = process.getBuiltinModule("node:url") as typeof import("node:url");
  const rel = path.relative(root, fileURLToPath(url));
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) return null;
  return rel.split(path.sep).join("/");
}

/** `promise`, or a rejection after {@linkcode CLEANUP_MS}. */
function bounded<T>(promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), CLEANUP_MS);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
