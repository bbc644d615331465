/**
 * The cluster's wire: what drivers (`ClusterPool`, `ClusterExecutor`) and
 * `tsmp-worker`s say to each other through NATS, in one place so that
 * neither side imports the other.
 *
 * Every message is one value of the project's codec, which never uses
 * `node:v8` and which Deno, Bun and Node all read the same.
 * Quick tasks travel many to a message, and their results likewise, so that
 * a `map` with `chunksize` 1 is not one server round trip per item:
 *
 * - tasks (driver → the tasks stream):
 *   `[VERSION, driverId, replySubject, maxDeliveries, fns, tasks]` where
 *   `fns` is `[fnId, [name, source, modules, isClass]][]` (`modules` are
 *   paths relative to the project root both sides share; empty for a
 *   lambda, which travels by its source) and `tasks` is
 *   `[taskId, kind, fnId, payload, timeoutMs, stoppable][]` (a stoppable
 *   task, one with a timeout or a signal, is stopped where it runs when its
 *   driver cancels it; another runs to its end and its result is dropped);
 * - results (worker → the results stream, on the driver's own subject):
 *   `[taskId, status, value, runMicros][]`;
 * - cancel (driver → every worker, core NATS, not stored):
 *   `[driverId, taskIds]`, where `null` stands for every task of the driver.
 *
 * A message is acked (leaves the stream) once the results of all its tasks
 * are stored, so a worker lost midway costs its tasks a second run, never
 * the tasks themselves; the driver drops a second result.
 *
 * @module
 */

import { decode, encode, Reader, Writer } from "../codec/encode.ts";

/** Format of a task message; a worker refuses another. */
export const VERSION = 2;

/** Result status: the value is the task's value. */
export const OK = 0;
/** Result status: the value is the task's error, as `serializeError` data. */
export const FAILED = 1;
/** Result status: the task ran past its timeout; the value is the message. */
export const TIMEOUT = 2;
/** Result status: the task's worker was lost too often; the value is the message. */
export const LOST = 3;

/** A function as it travels: `[name, source, modules relative to the root, isClass]`. */
export type FnRecord = [name: string, source: string, modules: string[], isClass: boolean];

/** One task of a task message (timeout -1: none). */
export type TaskRecord = [
  taskId: number,
  kind: number,
  fnId: number,
  payload: unknown[],
  timeout: number,
  stoppable: boolean,
];

/** A task message, decoded. */
export type TaskMessage = [
  version: number,
  driverId: string,
  reply: string,
  maxDeliveries: number,
  fns: Array<[fnId: number, fn: FnRecord]>,
  tasks: TaskRecord[],
];

/** One result of a result message. */
export type ResultRecord = [taskId: number, status: number, value: unknown, micros: number];

/** A cancel message, decoded. */
export type CancelMessage = [driverId: string, taskIds: number[] | null];

/** The names a cluster's streams, consumer and subjects have under `prefix`. */
export interface Names {
  /** Stream of tasks (work queue: a task leaves it when a worker acks it). */
  tasksStream: string;
  /** Subject tasks are published on. */
  tasks: string;
  /** The durable consumer every worker pulls tasks from. */
  workers: string;
  /** Stream of results (work queue, one subject per driver). */
  resultsStream: string;
  /** Subject of one driver's results. */
  results(driverId: string): string;
  /** Core subject of cancel notices. */
  cancel: string;
}

/** The names under `prefix`. */
export function names(prefix: string): Names {
  const stream = prefix.toUpperCase().replace(/[^A-Z0-9_-]/g, "_");
  return {
    tasksStream: `${stream}_TASKS`,
    tasks: `${prefix}.tasks`,
    workers: `${stream}_WORKERS`,
    resultsStream: `${stream}_RESULTS`,
    results: (driverId) => `${prefix}.results.${driverId}`,
    cancel: `${prefix}.cancel`,
  };
}

/**
 * `value` in the project's codec, in bytes of its own (a message may be
 * held while it is sent again).
 *
 * @throws {TypeError} naming the path (from `root`) of a value that cannot travel.
 */
export function packPortable(value: unknown, root: string): Uint8Array {
  const w = new Writer();
  encode(value, w, root);
  return w.u8.subarray(0, w.pos);
}

/** Decodes bytes made by {@linkcode packPortable}. */
export function unpackPortable(bytes: Uint8Array): unknown {
  // A plain view: the NATS client hands Node Buffers, whose slice() (which
  // the decoder copies typed arrays out with) shares memory instead.
  return decode(new Reader(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
}

/** The error of a message over the NATS server's `max_payload`. */
export function tooBig(what: string, bytes: number, max: number): RangeError {
  return new RangeError(
    `${what} is ${bytes} bytes, over the NATS server's max_payload of ${max} bytes: send less ` +
      `per task (smaller arguments, values or chunks), or raise max_payload in the server's ` +
      `configuration`,
  );
}
