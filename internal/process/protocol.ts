/**
 * The contract between a parent process (`process.ts`, `child.ts`) and the
 * worker bootstrap (`bootstrap.ts`): the start data a child receives, the
 * messages it sends back. Types only: importing them loads nothing, so both
 * sides take them (the two registered symbols of the contract, `ADOPT` and
 * `PROCESS_BASE`, are values and live in `state.ts`, which both sides load).
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
