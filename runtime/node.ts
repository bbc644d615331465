/**
 * Node: processes are `node:worker_threads` workers (Node has no global Web
 * Worker); they report exit codes and can be unref'd.
 *
 * @module
 */

import process from "node:process";
import type { Runtime } from "./types.ts";
import { cpuCount, exitProgram, pid, toUrl } from "./_common.ts";
import { spawnThread, threadWorkerSide } from "./_threads.ts";

/** The Node adapter. */
export const node: Runtime = {
  name: "node",
  spawn: spawnThread,
  worker: threadWorkerSide,
  pid,
  cpuCount,
  mainModule: () => (process.argv[1] ? toUrl(process.argv[1]) : undefined),
  exitProgram,
};
