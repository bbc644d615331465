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
import { exportsName, type TargetRef } from "../target/target.ts";
import { ensureCluster, HEARTBEAT_MS, jetstream, type JsMsg, open } from "./nats.ts";
import {
  type CancelMessage,
  FAILED,
  type FnRecord,
  LOST,
  names,
  OK,
  packPortable,
  type TaskMessage,
  TIMEOUT,
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

interface Held {
  m: JsMsg;
  driverId: string;
  taskId: number;
  reply: string;
  spec?: TaskSpec;
  abort?: AbortController;
  started: number;
}

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
  const held = new Map<string, Held>();
  const cancelled = new Map<string, number>();
  const targets = new Map<string, { ref: TargetRef; fn: object } | Error>();
  let handingBack = false;
  let room: (() => void) | undefined;
  let avgMs = -1;

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
      for (const h of held.values()) {
        if (h.driverId === driverId && (ids === null || ids.includes(h.taskId))) {
          h.abort?.abort(new Error("cancelled by its driver"));
        }
      }
    },
  });
  const heartbeat = setInterval(() => {
    try {
      for (const h of held.values()) h.m.working();
    } catch {
      // Closed meanwhile: the held tasks go back to the stream by themselves.
    }
  }, HEARTBEAT_MS);

  const done = (key: string, h: Held): void => {
    held.delete(key);
    if (h.spec) {
      const ms = performance.now() - h.started;
      avgMs = avgMs < 0 ? ms : avgMs * 0.8 + ms * 0.2;
    }
    room?.();
  };

  const reply = async (key: string, h: Held, status: number, value: unknown): Promise<void> => {
    let bytes: Uint8Array;
    try {
      bytes = packPortable([h.taskId, status, value], "");
    } catch {
      if (status !== OK) bytes = packPortable([h.taskId, FAILED, bareError(value)], "");
      else {
        // Again, on its own, for the error to name the value's path.
        let why = "";
        try {
          packPortable(value, "result");
        } catch (error) {
          why = (error as Error).message;
        }
        const error = new TypeError(`The task's value cannot be sent back to its driver: ${why}`);
        bytes = packPortable([h.taskId, FAILED, serializeError(error)], "");
      }
    }
    for (;;) {
      try {
        await js.publish(h.reply, bytes, { timeout: 5_000 });
        break;
      } catch (error) {
        if (nc.isClosed() || handingBack) {
          h.m.nak();
          done(key, h);
          return;
        }
        o.log(`tsmp-worker: could not publish a result (${(error as Error).message}); retrying`);
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
    // Acked only once the result is stored: dying before this line means
    // the task runs again, and the driver drops the second result.
    h.m.ack();
    done(key, h);
  };

  const take = (m: JsMsg): void => {
    let task: TaskMessage;
    try {
      task = unpackPortable(m.data) as TaskMessage;
      if (task[0] !== VERSION) {
        throw new Error(`task format ${task[0]}, this worker reads ${VERSION}`);
      }
    } catch (error) {
      o.log(`tsmp-worker: dropped a task it cannot read: ${(error as Error).message}`);
      m.term();
      return;
    }
    const [, driverId, replyTo, taskId, kind, fnRecord, payload, timeout, maxDeliveries] = task;
    const key = `${driverId}.${taskId}`;
    if (held.has(key)) {
      // Redelivered while still held here (the heartbeat came late): one copy runs.
      m.ack();
      return;
    }
    const h: Held = { m, driverId, taskId, reply: replyTo, started: performance.now() };
    held.set(key, h);
    if (cancelled.has(driverId) || cancelled.has(key)) {
      m.ack();
      done(key, h);
      return;
    }
    const deliveries = m.info.deliveryCount;
    if (deliveries > maxDeliveries) {
      void reply(
        key,
        h,
        LOST,
        `Task was delivered to ${deliveries - 1} workers and each was lost while holding it ` +
          `(the limit is ${maxDeliveries} deliveries)`,
      );
      return;
    }
    const target = targetOf(fnRecord, o.root, targets);
    if (target instanceof Error) {
      void reply(key, h, FAILED, serializeError(target));
      return;
    }
    h.abort = new AbortController();
    h.spec = {
      kind,
      fn: target.fn as TaskSpec["fn"],
      ref: target.ref,
      payload,
      timeout: timeout >= 0 ? timeout : undefined,
      signal: h.abort.signal,
      resolve: (value) => void reply(key, h, OK, value),
      reject: (error) => {
        if (h.abort!.signal.aborted) {
          // Cancelled by its driver, who has settled it already.
          m.ack();
          done(key, h);
        } else if (handingBack) {
          m.nak();
          done(key, h);
        } else if (error instanceof TimeoutError) void reply(key, h, TIMEOUT, error.message);
        else if (error instanceof WorkerLostError) void reply(key, h, LOST, error.message);
        else void reply(key, h, FAILED, serializeError(error));
      },
    };
    core.submit(h.spec);
  };

  // Tasks held at once: several per process when they are quick (no process
  // waits for the server), one per process when slow (none waits here while
  // another worker idles).
  const capacity = (): number => {
    const depth = avgMs < 0 ? 2 : avgMs < 2 ? 32 : avgMs < 20 ? 8 : avgMs < 200 ? 2 : 1;
    return o.processes * depth;
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
      const free = capacity() - held.size;
      if (free < Math.max(1, capacity() >> 1)) {
        await new Promise<void>((r) => (room = r));
        room = undefined;
        continue;
      }
      let messages;
      try {
        messages = await consumer.fetch({ max_messages: free, expires: FETCH_EXPIRES_MS });
      } catch (error) {
        o.log(`tsmp-worker: fetch failed (${(error as Error).message}); retrying`);
        await new Promise((r) => setTimeout(r, RETRY_MS));
        continue;
      }
      batch = messages;
      try {
        for await (const m of messages) {
          if (stop.aborted) m.nak();
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
    // Not started here yet: back to the stream at once, for another worker.
    // (A task without a spec is having its result published: it acks soon.)
    for (const [key, h] of held) {
      if (h.spec && core.cancel(h.spec)) {
        quietly(() => h.m.nak());
        done(key, h);
      }
    }
    if (held.size > 0) {
      o.log(`tsmp-worker: stopping; waiting up to ${o.grace} ms for ${held.size} running tasks`);
      const deadline = performance.now() + o.grace;
      while (held.size > 0 && performance.now() < deadline && !nc.isClosed()) {
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
    for (const [key, h] of held) {
      quietly(() => h.m.nak());
      done(key, h);
    }
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
