/**
 * The worker side of a pool: the task loop a pool worker process runs. It
 * takes batches of task records from its own channel, runs them one at a
 * time (as Python's pool workers do), and puts each result on the pool's
 * shared result channel. It never imports the main side.
 *
 * @module
 */

import { AGAIN, Channel, NOTHING } from "../channel/channel.ts";
import { serializeError, SystemExit } from "../errors.ts";
import {
  APPLY,
  CTL_READY,
  CTL_RUNNING,
  FAILED,
  LOAD,
  OK,
  READY,
  type ResultMessage,
  STARMAP,
  STARTED,
  STOP,
  type TaskRecord,
  type WorkerSetup,
} from "./protocol.ts";
import { loadTarget } from "../target/load.ts";
import { pack, unpack } from "./wire.ts";
import { Items } from "../codec/encode.ts";
import { type ListReader, NestedBytes, openList } from "../codec/decode.ts";

// Results of fast tasks are sent together: a batch goes when the task batch
// is done, when it is this old, or this long. A slow task's result goes at
// once. (A worker that crashes loses the results it holds back; their tasks
// are run again, so at most FLUSH_MS of fast work is repeated.)
const FLUSH_MS = 0.2;
const FLUSH_COUNT = 512;

type Fn = (...args: unknown[]) => unknown;

/**
 * Runs the pool worker loop until a STOP record or `maxTasks` tasks. Exported
 * only so that the pool can name it as its processes' target. (A function
 * expression with its own name: a worker finds its target by the function's
 * `name`, and the npm build's bundler may rename a declared function.)
 *
 * @param setup The channels, control words, initializer and task limit.
 * @param initargs The initializer's arguments (shared objects revived).
 */
export const poolWorkerMain = async function poolWorkerMain(
  setup: WorkerSetup,
  initargs: unknown[],
): Promise<void> {
  const tasks = new Channel(setup.tasks);
  const results = new Channel(setup.results);
  const control = new Int32Array(setup.control);
  if (setup.initializer) {
    const init = await loadTarget(setup.initializer);
    await init(...initargs);
  }
  Atomics.store(control, CTL_READY, 1);
  results.tryPut([[0, READY, null, 0]], "result");
  // A function that failed to load keeps its error, so that each task using
  // it fails with that error rather than the whole worker dying.
  const fns = new Map<number, Fn | { error: unknown }>();
  const take = (): unknown => {
    const batch = tasks.tryGet("reused");
    return batch === NOTHING ? AGAIN : batch;
  };
  const held: ResultMessage[] = [];
  let heldSince = 0;
  const flush = (): void => {
    if (held.length > 0) send(results, held, setup.executor);
    held.length = 0;
  };
  let done = 0;
  for (;;) {
    let batch = tasks.tryGet("reused");
    if (batch === NOTHING) {
      flush();
      batch = await tasks.untilReadable(take, Infinity);
    }
    for (const record of unpack(batch as Uint8Array) as TaskRecord[]) {
      const kind = record[0];
      if (kind === STOP) return flush();
      if (kind === LOAD) {
        try {
          fns.set(record[1], await loadTarget(record[2]));
        } catch (error) {
          fns.set(record[1], { error });
        }
        continue;
      }
      const [, taskId, fnId, payload, timed] = record;
      // A chunk is read an item at a time (see chunkOf in core.ts).
      const items = payload instanceof NestedBytes ? openList(payload.bytes) : undefined;
      Atomics.store(control, CTL_RUNNING, taskId);
      if (timed) {
        held.push([taskId, STARTED, null, 0]);
        flush();
      }
      const t0 = performance.now();
      let message: ResultMessage;
      try {
        const fn = fns.get(fnId);
        if (fn === undefined) throw new Error(`Pool worker has no function ${fnId}`);
        if (typeof fn !== "function") throw fn.error;
        let value = items ? runItems(kind, fn, items) : fn(...(payload as unknown[]));
        if (isThenable(value)) value = await value;
        // A chunk's results are a list made here: no keys but its indices.
        message = [taskId, OK, kind === APPLY ? value : new Items(value as unknown[]), 0];
      } catch (error) {
        // exit() inside a Pool's task ends the worker with its code, as
        // Python's SystemExit does there; the pool sees a worker that died
        // mid-task. An executor's worker gives the SystemExit to the future
        // and goes on, as Python's ProcessPoolExecutor does.
        if (error instanceof SystemExit && !setup.executor) {
          flush();
          throw error;
        }
        message = [taskId, FAILED, serializeError(error), 0];
      } finally {
        // The rest of a chunk whose item failed is read past.
        items?.done();
      }
      const now = performance.now();
      message[3] = Math.round((now - t0) * 1000);
      if (held.length === 0) heldSince = t0;
      held.push(message);
      if (timed || now - heldSince > FLUSH_MS || held.length >= FLUSH_COUNT) flush();
      Atomics.store(control, CTL_RUNNING, 0);
      if (setup.maxTasks > 0 && ++done >= setup.maxTasks) return flush();
    }
  }
};

/**
 * Runs a chunk's items, reading each as it comes to it; awaits only what
 * returns a promise, so sync functions stay cheap.
 */
function runItems(kind: number, fn: Fn, items: ListReader): unknown {
  const n = items.length;
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const value = callWith(kind, fn, items.next());
    if (isThenable(value)) {
      // Items run one after another, as in Python's worker: finish this one
      // before starting the next.
      return finishAsync(kind, fn, items, out, i, value as PromiseLike<unknown>);
    }
    out[i] = value;
  }
  return out;
}

async function finishAsync(
  kind: number,
  fn: Fn,
  items: ListReader,
  out: unknown[],
  from: number,
  first: PromiseLike<unknown>,
): Promise<unknown[]> {
  out[from] = await first;
  for (let i = from + 1; i < items.length; i++) {
    out[i] = await callWith(kind, fn, items.next());
  }
  return out;
}

/** Calls `fn` on a MAP item, or on a STARMAP item's arguments. */
function callWith(kind: number, fn: Fn, item: unknown): unknown {
  return kind === STARMAP ? fn(...(item as unknown[])) : fn(item);
}

function isThenable(value: unknown): boolean {
  return typeof value === "object" && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}

/**
 * Puts results; one that cannot be sent fails its task instead, the others
 * go as they are. The task's error is Python's: `MaybeEncodingError` (the
 * error as its cause) in a `Pool`, the error itself in an executor.
 */
function send(results: Channel, messages: ResultMessage[], executor: boolean): void {
  try {
    results.tryPut(messages, "result");
    return;
  } catch {
    const fixed = messages.map((message) => {
      try {
        pack(message[2], "result");
        return message;
      } catch (error) {
        if (executor) {
          return [message[0], FAILED, serializeError(error), message[3]] as ResultMessage;
        }
        const reason = error instanceof Error ? error.message : String(error);
        const failure = new Error(`Error sending result: ${reason}`, { cause: error });
        failure.name = "MaybeEncodingError";
        return [message[0], FAILED, serializeError(failure), message[3]] as ResultMessage;
      }
    });
    results.tryPut(fixed, "result");
  }
}
