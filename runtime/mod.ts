/**
 * Picks the adapter for the runtime this code runs on; runtime detection
 * lives in this one function.
 *
 * @module
 */

import { bun } from "./bun.ts";
import { deno } from "./deno.ts";
import { node } from "./node.ts";
import type { Runtime, WorkerSide } from "./types.ts";

export type { Runtime, SpawnOptions, WorkerHandle, WorkerSide } from "./types.ts";

/** The adapter for the current runtime. */
export function detect(): Runtime {
  if ("Deno" in globalThis) return deno;
  if ("Bun" in globalThis) return bun;
  return node;
}

/** The current runtime's adapter. */
export const runtime: Runtime = detect();

/** The current runtime's worker side. */
export const workerSide: WorkerSide = runtime.worker;
