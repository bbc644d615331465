/**
 * `tsmp-worker`: pulls tasks from the cluster's stream and runs them on a
 * local pool of processes (the same `PoolCore` as `Pool`), publishing each
 * result to the driver's subject before acking the task, so that a task
 * whose worker dies at any point is delivered again, never lost.
 *
 * A task is held (fetched, not yet acked) only while there is room for it
 * here, and every held task is heartbeated to the server (`working()`), so
 * a live worker never loses a slow task to another; a dead one stops
 * heartbeating and the server hands its tasks to another after `ack_wait`.
 *
 * @module
 */

import process from "node:process";
import { serializeError, TimeoutError } from "../errors.ts";
import { PoolCore, type TaskSpec } from "../pool/core.ts";
import { WorkerLostError } from "../pool/errors.ts";
import { exportsName, type TargetRef } from "../target/resolve.ts";
import { ensureCluster, HEARTBEAT_MS, jetstream, type JsMsg, open } from "./nats.ts";
import {
  type CancelMessage,
  FAILED,
  type FnRecord,
  LOST,
  names,
  OK,
  packPortable,
  type ResultRecord,
  type TaskMessage,
  type TaskRecord,
  TIMEOUT,
  tooBig,
  unpackPortable,
  VERSION,
} from "./protocol.ts";

/** Settings of one `tsmp-worker`. */
export interface WorkerOptions {
  /** `nats://host:port` URLs. */
  servers: string[];
  /** Local processes running tasks. */
  processes: number;
  /** The project root (absolute path) the drivers' module paths are relative to. */
  root: string;
  /** Prefix of the cluster's subjects and streams. */
  prefix: string;
  /** Milliseconds running tasks may take to finish once stopping; then they are handed back. */
  grace: number;
  /** Where progress lines go. */
  log(line: string): void;
}

// How long one fetch waits for tasks before asking again (and looking at `stop`).
const FETCH_EXPIRES_MS = 2_000;
// Retry pace of a result publish the server did not acknowledge.
const RETRY_MS = 500;
// How long a cancel notice is remembered (for tasks fetched after it).
const CANCEL_MEMORY_MS = 10 * 60_000;

/** A task message this worker holds: acked once every task's result is stored. */
interface HeldMsg {
  m: JsMsg;
  driverId: string;
  reply: string;
  /** Its tasks whose results are not yet stored. */
  left: number;
  /** Handed back (nak): nothing more is done for it. */
  returned: boolean;
}

/** One task of a held message. */
interface HeldTask {
  msg: HeldMsg;
  key: string;
  taskId: number;
  spec?: TaskSpec;
  /** Stops it where it runs (only a stoppable task has one: see protocol.ts). */
  abort?: AbortController;
  /** Its driver no longer wants its result. */
  cancelled?: boolean;
}

/** Results waiting to go to one driver in one message. */
interface Outbox {
  results: ResultRecord[];
  tasks: HeldTask[];
  bytes: number;
}

// A result message goes out once this big, else at the end of the tick.
const OUTBOX_BYTES = 256 * 1024;
// Room left in a message of results for what packs them together.
const RESULTS_OVERHEAD = 1024;
const OUTBOX_COUNT = 512;

/**
 * Runs until `stop` aborts: then takes no more tasks, hands back those not
 * started, lets running ones finish for `grace` ms, hands back the rest and
 * disconnects.
 *
 * @throws {Error} If the server cannot be reached.
 */
export async function runWorker(o: WorkerOptions, stop: AbortSignal): Promise<void> {
  const n = names(o.prefix);
  const nc = await open({
    servers: o.servers,
    name: `tsmp-worker ${process.pid}`,
    reconnectFor: Infinity,
    connectTimeout: 10_000,
  });
  await ensureCluster(nc, n);
  const js = jetstream(nc);
  const consumer = await js.consumers.get(n.tasksStream, n.workers);
  const core = new PoolCore({
    processes: o.processes,
    initializer: null,
    initargs: [],
    maxTasks: 0,
    name: "ClusterWorker",
    onDeath: "replace",
    brokenError: (message, cause) => new Error(message, { cause }),
  });
  const tasks = new Map<string, HeldTask>();
  const msgs = new Set<HeldMsg>();
  const outboxes = new Map<string, Outbox>();
  const cancelled = new Map<string, number>();
  const targets = new Map<string, { ref: TargetRef; fn: object } | Error>();
  let handingBack = false;
  let room: (() => void) | undefined;
  let avgMs = -1;
  let perMsg = 1;

  const sub = nc.subscribe(n.cancel, {
    callback: (_error, msg) => {
      let driverId: string, ids: number[] | null;
      try {
        [driverId, ids] = unpackPortable(msg.data) as CancelMessage;
      } catch {
        return;
      }
      const now = Date.now();
      for (const [key, at] of cancelled) if (now - at > CANCEL_MEMORY_MS) cancelled.delete(key);
      const keys = ids === null ? [driverId] : ids.map((id) => `${driverId}.${id}`);
      for (const key of keys) cancelled.set(key, now);
      for (const t of [...tasks.values()]) {
        if (t.msg.driverId !== driverId || (ids !== null && !ids.includes(t.taskId))) continue;
        t.cancelled = true;
        if (t.spec && core.cancel(t.spec)) settled(t);
        else t.abort?.abort(new Error("cancelled by its driver"));
      }
    },
  });
  const heartbeat = setInterval(() => {
    for (const msg of msgs) quietly(() => msg.m.working());
  }, HEARTBEAT_MS);

  /** Hands a message back to the stream, for another worker; its tasks here are dropped. */
  const handBack = (msg: HeldMsg): void => {
    if (msg.returned) return;
    msg.returned = true;
    quietly(() => msg.m.nak());
    msgs.delete(msg);
    for (const [key, t] of tasks) {
      if (t.msg !== msg) continue;
      tasks.delete(key);
      if (t.spec) core.cancel(t.spec);
      t.abort?.abort(new Error("handed back"));
    }
    room?.();
  };

  /** A task is over here (its result stored, or none is wanted). */
  const settled = (t: HeldTask): void => {
    if (tasks.get(t.key) === t) tasks.delete(t.key);
    const msg = t.msg;
    if (msg.returned) return;
    if (--msg.left === 0) {
      // Acked only once every result is stored: dying before this line
      // means the tasks run again, and the driver drops the second results.
      quietly(() => msg.m.ack());
      msgs.delete(msg);
    }
    room?.();
  };

  const send = async (reply: string, box: Outbox): Promise<void> => {
    const bytes = packPortable(box.results, "");
    for (;;) {
      try {
        await js.publish(reply, bytes, { timeout: 5_000 });
        break;
      } catch (error) {
        if (nc.isClosed() || handingBack) {
          for (const t of box.tasks) handBack(t.msg);
          return;
        }
        o.log(`tsmp-worker: could not publish results (${(error as Error).message}); retrying`);
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
    for (const t of box.tasks) settled(t);
  };

  const flush = (reply: string): void => {
    const box = outboxes.get(reply);
    if (!box) return;
    outboxes.delete(reply);
    void send(reply, box);
  };

  const reply = (t: HeldTask, status: number, value: unknown): void => {
    if (t.msg.returned) return;
    if (t.cancelled) return settled(t);
    // How long it ran in its process (-1: it did not run); the driver
    // sizes its messages by it.
    const micros = t.spec?.runMicros ?? -1;
    if (micros >= 0) avgMs = avgMs < 0 ? micros / 1000 : avgMs * 0.8 + (micros / 1000) * 0.2;
    let result: ResultRecord = [t.taskId, status, value, micros];
    let bytes: Uint8Array;
    try {
      // Encoded now, to fail this task alone if its value cannot travel.
      bytes = packPortable(result, "");
    } catch {
      if (status !== OK) result = [t.taskId, FAILED, bareError(value), micros];
      else {
        // Again, on its own, for the error to name the value's path.
        let why = "";
        try {
          packPortable(value, "result");
        } catch (error) {
          why = (error as Error).message;
        }
        const error = new TypeError(`The task's value cannot be sent back to its driver: ${why}`);
        result = [t.taskId, FAILED, serializeError(error), micros];
      }
      bytes = packPortable(result, "");
    }
    // The server refuses a message over its limit however often it is sent:
    // this task fails instead, and a box it would overfill goes first.
    const max = nc.info?.max_payload ?? Infinity;
    if (bytes.length > max - RESULTS_OVERHEAD) {
      result = [
        t.taskId,
        FAILED,
        serializeError(tooBig("The task's result", bytes.length, max)),
        micros,
      ];
      bytes = packPortable(result, "");
    }
    const to = t.msg.reply;
    if ((outboxes.get(to)?.bytes ?? 0) + bytes.length > max - RESULTS_OVERHEAD) flush(to);
    let box = outboxes.get(to);
    if (!box) {
      box = { results: [], tasks: [], bytes: 0 };
      outboxes.set(to, box);
      setTimeout(() => flush(to), 0);
    }
    box.results.push(result);
    box.tasks.push(t);
    box.bytes += bytes.length;
    if (box.bytes >= OUTBOX_BYTES || box.results.length >= OUTBOX_COUNT) flush(to);
  };

  const run = (t: HeldTask, record: TaskRecord, fns: Map<number, FnRecord>): void => {
    const [taskId, kind, fnId, payload, timeout, stoppable] = record;
    if (cancelled.has(t.msg.driverId) || cancelled.has(t.key)) return settled(t);
    const fn = fns.get(fnId);
    const target = fn
      ? targetOf(fn, o.root, targets)
      : new Error(`Task ${taskId} names function ${fnId}, which its message does not carry`);
    if (target instanceof Error) return reply(t, FAILED, serializeError(target));
    // Only a stoppable task gets a signal: the pool runs a task with one
    // alone on its process, so that stopping it stops nothing else.
    const abort = stoppable ? (t.abort = new AbortController()) : undefined;
    t.spec = {
      kind,
      fn: target.fn as TaskSpec["fn"],
      ref: target.ref,
      payload,
      timeout: timeout >= 0 ? timeout : undefined,
      signal: abort?.signal,
      resolve: (value) => reply(t, OK, value),
      reject: (error) => {
        if (t.msg.returned) return;
        if (t.cancelled) settled(t); // Its driver has settled it already.
        else if (handingBack) handBack(t.msg);
        else if (error instanceof TimeoutError) reply(t, TIMEOUT, error.message);
        else if (error instanceof WorkerLostError) reply(t, LOST, error.message);
        else reply(t, FAILED, serializeError(error));
      },
    };
    core.submit(t.spec);
  };

  const take = (m: JsMsg): void => {
    let message: TaskMessage;
    try {
      message = unpackPortable(m.data) as TaskMessage;
      if (message[0] !== VERSION) {
        throw new Error(`task format ${message[0]}, this worker reads ${VERSION}`);
      }
    } catch (error) {
      o.log(`tsmp-worker: dropped a task message it cannot read: ${(error as Error).message}`);
      quietly(() => m.term());
      return;
    }
    const [, driverId, replyTo, maxDeliveries, fnList, records] = message;
    const msg: HeldMsg = {
      m,
      driverId,
      reply: replyTo,
      left: records.length,
      returned: false,
    };
    perMsg = perMsg * 0.8 + records.length * 0.2;
    msgs.add(msg);
    const deliveries = m.info.deliveryCount;
    const fns = new Map(fnList);
    for (const record of records) {
      const key = `${driverId}.${record[0]}`;
      const held = tasks.get(key);
      if (held) {
        // Delivered again while still held here (heartbeats came late, say
        // across a reconnect): the copy here goes on, the new delivery is
        // the one to ack.
        if (--held.msg.left === 0) msgs.delete(held.msg);
        held.msg = msg;
        continue;
      }
      const t: HeldTask = { msg, key, taskId: record[0] };
      tasks.set(key, t);
      if (deliveries > maxDeliveries) {
        reply(
          t,
          LOST,
          `Task was delivered to ${deliveries - 1} workers and each was lost while holding it ` +
            `(the limit is ${maxDeliveries} deliveries)`,
        );
      } else run(t, record, fns);
    }
    if (records.length === 0) {
      quietly(() => m.ack());
      msgs.delete(msg);
    }
  };

  // Tasks held at once: several per process when they are quick (no process
  // waits for the server), one per process when slow (none waits here while
  // another worker idles), and room for two messages' worth at least.
  const capacity = (): number => {
    const depth = avgMs < 0 ? 2 : avgMs < 2 ? 32 : avgMs < 20 ? 8 : avgMs < 200 ? 2 : 1;
    return Math.max(o.processes * depth, Math.ceil(4 * perMsg));
  };

  o.log(
    `tsmp-worker: ready, ${o.processes} processes, root ${o.root}, servers ${o.servers.join(",")}`,
  );
  let batch: { stop(): void } | undefined;
  const onStop = (): void => {
    batch?.stop();
    room?.();
  };
  stop.addEventListener("abort", onStop, { once: true });
  try {
    while (!stop.aborted && !nc.isClosed()) {
      const free = capacity() - tasks.size;
      if (free < Math.max(1, Math.min(capacity() >> 1, Math.ceil(perMsg)))) {
        await new Promise<void>((r) => (room = r));
        room = undefined;
        continue;
      }
      let messages;
      try {
        messages = await consumer.fetch({
          max_messages: Math.max(1, Math.floor(free / Math.max(1, perMsg))),
          expires: FETCH_EXPIRES_MS,
        });
      } catch (error) {
        o.log(`tsmp-worker: fetch failed (${(error as Error).message}); retrying`);
        await new Promise((r) => setTimeout(r, RETRY_MS));
        continue;
      }
      batch = messages;
      try {
        for await (const m of messages) {
          if (stop.aborted) quietly(() => m.nak());
          else take(m);
        }
      } catch (error) {
        // A pull cut short (the server restarting, missed heartbeats): pull again.
        if (!stop.aborted) o.log(`tsmp-worker: fetch ended (${(error as Error).message})`);
      }
      batch = undefined;
    }
  } finally {
    stop.removeEventListener("abort", onStop);
    await finish();
  }

  async function finish(): Promise<void> {
    // A message with a task not started here yet goes back at once, whole,
    // for another worker (what ran of it here is dropped there as a repeat).
    for (const t of [...tasks.values()]) {
      if (t.spec && !t.msg.returned && core.cancel(t.spec)) handBack(t.msg);
    }
    if (tasks.size > 0) {
      o.log(`tsmp-worker: stopping; waiting up to ${o.grace} ms for ${tasks.size} running tasks`);
      const deadline = performance.now() + o.grace;
      while (msgs.size > 0 && performance.now() < deadline && !nc.isClosed()) {
        await new Promise<void>((r) => {
          room = r;
          setTimeout(r, Math.min(250, Math.max(0, deadline - performance.now())));
        });
      }
    }
    handingBack = true;
    await core.terminate(new Error("tsmp-worker stopped"));
    clearInterval(heartbeat);
    quietly(() => sub.unsubscribe());
    for (const msg of [...msgs]) handBack(msg);
    await nc.drain().catch(() => {});
    o.log("tsmp-worker: stopped");
  }
}

/** Runs `fn`, ignoring what it throws (a message settled on a connection closing). */
function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // The server redelivers what was not settled.
  }
}

/** The target a task names, found under the root, or the error saying why not. */
function targetOf(
  fn: FnRecord,
  root: string,
  cache: Map<string, { ref: TargetRef; fn: object } | Error>,
): { ref: TargetRef; fn: object } | Error {
  const [name, source, modules, isClass] = fn;
  const key = `${name}\0${modules.join("\0")}\0${source}`;
  let found = cache.get(key);
  if (found) return found;
  const fs = process.getBuiltinModule("node:fs") as typeof import("node:fs");
  const path = process.getBuiltinModule("node:path") as typeof import("node:path");
  const { pathToFileURL } = process.getBuiltinModule("node:url") as typeof import("node:url");
  const urls: string[] = [];
  const problems: string[] = [];
  for (const rel of modules) {
    const file = path.resolve(root, rel);
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      problems.push(`no module ${rel}`);
      continue;
    }
    if (exportsName(text, name)) urls.push(pathToFileURL(file).href);
    else problems.push(`${rel} does not export ${name}`);
  }
  if (modules.length > 0 && urls.length === 0) {
    found = new Error(
      `tsmp-worker cannot find the function ${name}: ${problems.join("; ")} under its root ` +
        `${root} (start tsmp-worker in a checkout of the same code, or pass --root)`,
    );
  } else {
    // The object stands for the function in the pool's per-function cache.
    found = { ref: { name, source, modules: urls, isClass }, fn: {} };
  }
  cache.set(key, found);
  return found;
}

/** An error's data without its fields and cause (what may not travel). */
function bareError(value: unknown): unknown {
  const data = value as { name?: string; message?: string; stack?: string };
  return { name: String(data?.name), message: String(data?.message), stack: data?.stack };
}
