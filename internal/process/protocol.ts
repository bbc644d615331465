/**
 * The contract between a parent process (`process.ts`, `child.ts`) and the
 * worker bootstrap (`bootstrap.ts`): the start data a child receives, the
 * messages it sends back, and the registered symbols by which the bootstrap
 * recognizes `Process` without importing it. Types and two symbols only:
 * loading it runs nothing, so both sides may take it.
 *
 * @module
 */

import type { ErrorData } from "../errors.ts";
import type { TargetRef } from "../target/resolve.ts";
import type { ProcessInfo } from "./state.ts";

/** What a parent hands a child before anything else. */
export interface StartData {
  table: SharedArrayBuffer;
  /** The tree's shared-memory arena (named blocks, Manager containers). */
  memory: SharedArrayBuffer;
  self: ProcessInfo;
  parent: ProcessInfo;
  mainModule: string | undefined;
  /** The target function, or the Process subclass whose `run()` to call. */
  target: TargetRef;
  subclass: boolean;
  /** Encoded positional arguments (kwargs already placed). */
  args: unknown;
  /** Encoded own fields of a Process subclass instance. */
  fields: unknown;
}

/** What a child tells its parent. */
export type ChildMessage = { type: "error"; error: ErrorData };

/**
 * The own property that marks `Process` itself (the base class), which the
 * bootstrap finds on a user's subclass to build the running instance.
 */
export const PROCESS_BASE: unique symbol = Symbol.for("@tsmp/multiprocessing.ProcessBase");

/**
 * The constructor option that builds a `Process` standing for an existing
 * process (no subclass constructor runs in the child; fields are copied),
 * as Python's process objects are re-created rather than constructed.
 */
export const ADOPT: unique symbol = Symbol.for("@tsmp/multiprocessing.adopt");
