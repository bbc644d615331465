/**
 * The cluster's wire: what drivers (`ClusterPool`, `ClusterExecutor`) and
 * `tsmp-worker`s say to each other through NATS, in one place so that
 * neither side imports the other.
 *
 * Every message is one value of the project's codec in its portable form
 * (no `node:v8` fallback), which Deno, Bun and Node all read the same:
 *
 * - task (driver → the tasks stream, one message per task):
 *   `[VERSION, driverId, replySubject, taskId, kind, fn, payload, timeoutMs, maxDeliveries]`
 *   where `fn` is `[name, source, modules, isClass]` and `modules` are paths
 *   relative to the project root both sides share (empty for a lambda, which
 *   travels by its source);
 * - result (worker → the results stream, on the driver's own subject):
 *   `[taskId, status, value]`;
 * - cancel (driver → every worker, core NATS, not stored):
 *   `[driverId, taskIds]`, where `null` stands for every task of the driver.
 *
 * @module
 */

import { decode, encode, Reader, Writer } from "../codec/encode.ts";

/** Format of a task message; a worker refuses another. */
export const VERSION = 1;

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

/** A task message, decoded. */
export type TaskMessage = [
  version: number,
  driverId: string,
  reply: string,
  taskId: number,
  kind: number,
  fn: FnRecord,
  payload: unknown[] | Float64Array,
  timeout: number,
  maxDeliveries: number,
];

/** A result message, decoded. */
export type ResultRecord = [taskId: number, status: number, value: unknown];

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
 * `value` in the portable codec.
 *
 * @throws {TypeError} naming the path (from `root`) of a value that cannot travel.
 */
export function packPortable(value: unknown, root: string): Uint8Array {
  const w = new Writer();
  encode(value, w, root, true);
  return w.u8.subarray(0, w.pos);
}

/** Decodes bytes made by {@linkcode packPortable}. */
export function unpackPortable(bytes: Uint8Array): unknown {
  // A plain view: the NATS client hands Node Buffers, whose slice() (which
  // the decoder copies typed arrays out with) shares memory instead.
  return decode(new Reader(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
}
