/**
 * The checks of what `Pool`, `ThreadPool` and `ProcessPoolExecutor` are
 * made with (how many workers, an initializer and its arguments, tasks per
 * worker), done once at the public boundary for all three. Each names the
 * arguments as its own API spells them (`processes` / `maxWorkers`,
 * `maxtasksperchild` / `maxTasksPerChild`).
 *
 * @module
 */

import { describe } from "../wait/futex.ts";
import { optionsOf } from "../options.ts";

type Fn = (...args: never[]) => unknown;

/** The names of the checked arguments, as the front end spells them. */
export interface WorkerOptionNames {
  /** The callee, for messages: `"new Pool"`, `"new ProcessPoolExecutor"`. */
  call: string;
  /** The option keys it takes (any other is a `TypeError`). */
  keys: readonly string[];
  /** The number of workers: `"processes"` or `"maxWorkers"`. */
  count: string;
  /** The tasks a worker runs before it is replaced, if it takes such an option. */
  maxTasks?: string;
}

/** What the checks let through, defaults applied. */
export interface WorkerSettings<F extends Fn> {
  /** How many workers. */
  count: number;
  /** The initializer, or null. */
  initializer: F | null;
  /** Its arguments. */
  initargs: unknown[];
  /** Tasks per worker; 0 for no limit. */
  maxTasks: number;
}

/**
 * Checks a pool's worker count and options.
 *
 * @param count The number of workers; null or undefined for `fallback`.
 * @param fallback The default number of workers.
 * @param options The options object.
 * @param names How the front end names its arguments.
 * @returns The settings, defaults applied.
 * @throws {TypeError} For a count that is not a number, options that are not
 * an object or hold an unknown key, an initializer that is not a function,
 * initargs that are not an array.
 * @throws {RangeError} For a count or a tasks limit that is not an integer
 * of at least 1.
 */
export function workerSettings<F extends Fn>(
  count: unknown,
  fallback: number,
  options: unknown,
  names: WorkerOptionNames,
): WorkerSettings<F> {
  const n = count ?? fallback;
  if (typeof n !== "number") {
    throw new TypeError(`'${names.count}' must be a number, got ${describe(n)}`);
  }
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`'${names.count}' must be an integer of at least 1, got ${n}`);
  }
  const o = optionsOf(names.call, options as Record<string, unknown>, names.keys);
  const { initializer, initargs = [] } = o;
  const maxTasks = names.maxTasks === undefined ? undefined : o[names.maxTasks];
  if (initializer !== undefined && initializer !== null && typeof initializer !== "function") {
    throw new TypeError(`'initializer' must be a function, got ${describe(initializer)}`);
  }
  if (!Array.isArray(initargs)) {
    throw new TypeError(`'initargs' must be an array, got ${describe(initargs)}`);
  }
  if (
    maxTasks !== undefined && maxTasks !== null &&
    (!Number.isInteger(maxTasks) || (maxTasks as number) < 1)
  ) {
    throw new RangeError(
      `'${names.maxTasks}' must be an integer of at least 1, got ${describe(maxTasks)}`,
    );
  }
  return {
    count: n,
    initializer: (initializer ?? null) as F | null,
    initargs,
    maxTasks: (maxTasks as number | null | undefined) ?? 0,
  };
}
