/**
 * Node: workers are `node:worker_threads` workers (Node has no global Web
 * Worker); they report exit codes, and can be unref'd.
 *
 * @module
 */

import process from "node:process";
import type { Runtime } from "./types.ts";
import { cpuCount, exitProgram, pid, spawnThread, toUrl } from "./_common.ts";

/** The Node adapter. */
export const node: Runtime = {
  name: "node",
  spawn: spawnThread,
  pid,
  cpuCount,
  mainModule: () => (process.argv[1] ? toUrl(process.argv[1]) : undefined),
  exitProgram,
};
