#!/usr/bin/env node
/**
 * `Pool` and `ProcessPoolExecutor` beyond one machine, on a NATS JetStream
 * cluster, as Ray's `ray.util.multiprocessing.Pool` and Dask's
 * `Client.get_executor()` are for Python: {@linkcode ClusterPool} has the
 * whole `Pool` API and {@linkcode ClusterExecutor} the
 * `ProcessPoolExecutor` one, on the same front ends; the work runs on
 * `tsmp-worker`s, each a local pool of processes on its own machine.
 *
 * Three commands: `nats-server -js` somewhere; `tsmp-worker --servers
 * nats://host:4222` on each machine, in a checkout of the same code (or
 * `deno run -A`, `bun` or `node` on this file); then
 * `new ClusterPool({ servers: "nats://host:4222" })` in the program.
 *
 * An exported function reaches a worker by its module's path relative to
 * the project root both sides share (`root`, the working directory by
 * default), a self-contained lambda by its source. Arguments and values
 * travel in a portable encoding every runtime reads; what cannot travel (a
 * `Map`, a class instance, a function) is refused at submit with an error
 * naming its path.
 *
 * This module is its own entry point: importing the rest of the library
 * never loads it or the NATS client.
 *
 * @example A map over the cluster
 * ```ts ignore
 * import { ClusterPool } from "@tsmp/multiprocessing/cluster";
 *
 * export function square(n: number): number {
 *   return n * n;
 * }
 *
 * if (import.meta.main) {
 *   await using pool = new ClusterPool({ servers: "nats://127.0.0.1:4222" });
 *   console.log(await pool.map(square, [1, 2, 3])); // [ 1, 4, 9 ]
 * }
 * ```
 *
 * @module
 */

import process from "node:process";
import { Pool } from "./pool.ts";
import { ProcessPoolExecutor } from "./futures.ts";
import { SCHEDULER, type SchedulerHook } from "./internal/pool/core.ts";
import { BrokenPoolError, BrokenProcessPool } from "./internal/pool/errors.ts";
import { ClusterCore } from "./internal/cluster/driver.ts";
import { parseWorkerArgs, WORKER_USAGE } from "./internal/cluster/args.ts";
import { runWorker } from "./internal/cluster/worker.ts";
import { describe } from "./internal/wait/futex.ts";
import { optionsOf } from "./internal/options.ts";
import { cpuCount } from "./process.ts";

export { BrokenPoolError, TimeoutError, WorkerLostError } from "./pool.ts";

/** Options for {@linkcode ClusterPool} and {@linkcode ClusterExecutor}. */
export interface ClusterOptions {
  /** The NATS server(s): `"nats://host:4222"` or a list of them. */
  servers: string | string[];
  /**
   * How many processes the cluster runs tasks on, for the default
   * `chunksize` of `map` (as `Pool`'s `processes`). @default {cpuCount()}
   */
  processes?: number;
  /** The project root; workers find functions by their module's path under it. @default {process.cwd()} */
  root?: string;
  /** Prefix of the cluster's subjects and streams (clusters sharing a server differ in it). @default {"tsmp"} */
  prefix?: string;
  /** Times a task is delivered, its worker lost each time, before it fails with `WorkerLostError`. @default {3} */
  maxDeliveries?: number;
  /** Milliseconds a task held by a silent (dead, cut off) worker waits before another worker gets it. @default {10000} */
  redeliverAfter?: number;
  /** Milliseconds the first connection may take. @default {10000} */
  connectTimeout?: number;
  /** Milliseconds to keep reconnecting after losing the server, outstanding tasks kept; then they fail. @default {60000} */
  reconnectFor?: number;
}

const KEYS = [
  "servers",
  "processes",
  "root",
  "prefix",
  "maxDeliveries",
  "redeliverAfter",
  "connectTimeout",
  "reconnectFor",
];

function makeCore(
  call: string,
  options: ClusterOptions,
  brokenError: (message: string, cause?: unknown) => Error,
): SchedulerHook & { scheduler: ClusterCore } {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`'options' of ${call} must be an object, got ${describe(options)}`);
  }
  optionsOf(call, options, KEYS);
  const servers = typeof options.servers === "string" ? [options.servers] : options.servers;
  if (
    !Array.isArray(servers) || servers.length === 0 ||
    servers.some((s) => typeof s !== "string" || !/^(nats|tls|wss?):\/\/./.test(s))
  ) {
    throw new TypeError(
      `'servers' must be a nats://host:port URL or a list of them, got ${
        describe(options.servers)
      }`,
    );
  }
  const int = (name: string, value: unknown, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== "number") {
      throw new TypeError(`'${name}' must be a number, got ${describe(value)}`);
    }
    if (!Number.isInteger(value) || value < min) {
      throw new RangeError(`'${name}' must be an integer of at least ${min}, got ${value}`);
    }
    return value;
  };
  const ms = (name: string, value: unknown, fallback: number, min: number): number => {
    if (value === Infinity && name === "reconnectFor") return value;
    return int(name, value, fallback, min);
  };
  const { root = process.cwd(), prefix = "tsmp" } = options;
  if (typeof root !== "string" || root === "") {
    throw new TypeError(`'root' must be a directory path, got ${describe(root)}`);
  }
  if (typeof prefix !== "string" || !/^[A-Za-z0-9_-]+$/.test(prefix)) {
    throw new TypeError(
      `'prefix' must be letters, digits, '_' or '-', got ${describe(prefix)}`,
    );
  }
  const path = process.getBuiltinModule("node:path") as typeof import("node:path");
  const processes = int("processes", options.processes, cpuCount(), 1);
  const scheduler = new ClusterCore({
    servers,
    root: path.resolve(root),
    prefix,
    maxDeliveries: int("maxDeliveries", options.maxDeliveries, 3, 1),
    ackWait: ms("redeliverAfter", options.redeliverAfter, 10_000, 2_000),
    connectTimeout: ms("connectTimeout", options.connectTimeout, 10_000, 1),
    reconnectFor: ms("reconnectFor", options.reconnectFor, 60_000, 0),
    brokenError,
  });
  return { scheduler, processes };
}

/**
 * `Pool` on a NATS JetStream cluster: `map`, `mapAsync`, `imap`,
 * `imapUnordered`, `starmap`, `apply`, `applyAsync` with per-task
 * `{ timeout, signal }`, `close`, `terminate`, `join` and `await using`,
 * running on whichever `tsmp-worker`s are connected (and those that join
 * later).
 *
 * What holds: every task settles once. A worker that dies or loses its
 * connection while holding a task hands it to another worker (after
 * `redeliverAfter`); after `maxDeliveries` deliveries the task fails with
 * `WorkerLostError`. A task's error comes back with its class (built-in
 * ones; others as `ProcessError` with the name), message and remote stack.
 * While this side reconnects, its outstanding tasks and their results
 * wait. `terminate()` withdraws what has not started and stops a running
 * task that has a `timeout` or `signal` (others finish where they run, their
 * results dropped).
 *
 * Unlike `Pool`, the open connection keeps the program running: end with
 * `close()` then `join()`, `terminate()`, or `await using`.
 *
 * @example Exported functions, lambdas, errors
 * ```ts ignore
 * import { ClusterPool } from "@tsmp/multiprocessing/cluster";
 *
 * export function square(n: number): number {
 *   return n * n;
 * }
 *
 * if (import.meta.main) {
 *   await using pool = new ClusterPool({ servers: "nats://127.0.0.1:4222" });
 *   console.log(await pool.map(square, [1, 2, 3])); // [ 1, 4, 9 ]
 *   console.log(await pool.apply((a: number, b: number) => a + b, [2, 3])); // 5
 *   await pool.apply(() => JSON.parse("{")).catch((e) => console.log(e.name)); // SyntaxError
 * }
 * ```
 */
export class ClusterPool extends Pool {
  #cluster: ClusterCore;

  /**
   * Connects to the cluster (in the background: tasks submitted meanwhile
   * wait for the connection; {@linkcode ClusterPool.prototype.ready} awaits it).
   *
   * @param options `servers` and the rest of {@linkcode ClusterOptions}.
   * @throws {TypeError} For a missing or malformed `servers`, an unknown option key, or a
   * malformed option.
   * @throws {RangeError} For a number option out of range.
   */
  constructor(options: ClusterOptions) {
    const hook = makeCore(
      "new ClusterPool",
      options,
      (message, cause) => new BrokenPoolError(message, { cause }),
    );
    super({ [SCHEDULER]: hook } as never);
    this.#cluster = hook.scheduler;
  }

  /**
   * Resolves once connected, with the cluster's streams in place.
   *
   * @returns When ready.
   * @throws {BrokenPoolError} (rejection) When the server cannot be reached within `connectTimeout`.
   */
  ready(): Promise<void> {
    return this.#cluster.ready;
  }
}

/**
 * `ProcessPoolExecutor` on a NATS JetStream cluster: `submit`, `map`,
 * `shutdown`, `await using`, with futures that work with `asCompleted` and
 * `wait`. Faults are handled as in {@linkcode ClusterPool}: a lost worker's
 * call goes to another worker (it does not break the executor); after
 * `maxDeliveries` its future fails with `WorkerLostError`. A future counts
 * as running once the cluster holds its call; `cancel()` succeeds before.
 *
 * @example Futures from the cluster
 * ```ts ignore
 * import { asCompleted } from "@tsmp/multiprocessing";
 * import { ClusterExecutor } from "@tsmp/multiprocessing/cluster";
 *
 * export function cube(n: number): number {
 *   return n ** 3;
 * }
 *
 * if (import.meta.main) {
 *   await using ex = new ClusterExecutor({ servers: "nats://127.0.0.1:4222" });
 *   const fs = [1, 2, 3].map((n) => ex.submit(cube, n));
 *   for await (const f of asCompleted(fs)) console.log(await f.result());
 * }
 * ```
 */
export class ClusterExecutor extends ProcessPoolExecutor {
  #cluster: ClusterCore;

  /**
   * Connects to the cluster (in the background, as {@linkcode ClusterPool}).
   *
   * @param options `servers` and the rest of {@linkcode ClusterOptions}.
   * @throws {TypeError} For a missing or malformed `servers`, an unknown option key, or a
   * malformed option.
   * @throws {RangeError} For a number option out of range.
   */
  constructor(options: ClusterOptions) {
    const hook = makeCore(
      "new ClusterExecutor",
      options,
      (message, cause) => new BrokenProcessPool(message, { cause }),
    );
    super(null, { [SCHEDULER]: hook } as never);
    this.#cluster = hook.scheduler;
  }

  /**
   * Resolves once connected, with the cluster's streams in place.
   *
   * @returns When ready.
   * @throws {BrokenProcessPool} (rejection) When the server cannot be reached.
   */
  ready(): Promise<void> {
    return this.#cluster.ready;
  }
}

/**
 * The `tsmp-worker` command: `tsmp-worker --servers nats://host:4222
 * [--processes N] [--root DIR] [--prefix P] [--grace MS]`. Runs tasks on a
 * local pool of `N` processes (default `cpuCount()`) until SIGINT or
 * SIGTERM, then hands back the tasks it has not started, lets running ones
 * finish for `grace` ms (default 30000), hands back the rest and returns.
 *
 * @param args The command's arguments (without the program).
 * @returns The exit code: 0 after a stop, 2 for bad arguments, 1 when the server is unreachable.
 *
 * @example Run it from a program
 * ```ts ignore
 * import { workerCommand } from "@tsmp/multiprocessing/cluster";
 *
 * process.exitCode = await workerCommand(["--servers", "nats://127.0.0.1:4222"]);
 * ```
 */
export async function workerCommand(args: string[]): Promise<number> {
  const parsed = parseWorkerArgs(args, cpuCount());
  if (parsed === "") {
    console.log(WORKER_USAGE);
    return 0;
  }
  if (typeof parsed === "string") {
    console.error(`tsmp-worker: ${parsed}\n${WORKER_USAGE}`);
    return 2;
  }
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await runWorker({ ...parsed, log: (line) => console.log(line) }, stop.signal);
    return 0;
  } catch (error) {
    console.error(`tsmp-worker: ${(error as Error).message}`);
    return 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

// Run as the `tsmp-worker` command. (`import.meta` read through a constant:
// the npm build's bundler rewrites a literal `import.meta.main` into a test
// that holds when the module is imported too.)
const meta: ImportMeta = import.meta;
if (meta.main) process.exit(await workerCommand(process.argv.slice(2)));
