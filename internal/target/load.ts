/**
 * Getting a target into a worker, the worker side: the modules the main
 * side found (`resolve.ts`) are imported in order and the export whose
 * source text is the function's is taken. A function exported nowhere is
 * rebuilt from its source text.
 *
 * @module
 */

import { importing } from "../process/state.ts";
import type { TargetRef } from "./resolve.ts";

/** Error message for a function rebuilt from source that uses a free name. */
function freeNameMessage(fnName: string, missing: string): string {
  return `${fnName || "An inline function"} was sent to the worker by its source text and uses ` +
    `'${missing}', which is not defined there: a function sent by source can use only its ` +
    `parameters and globals. Export the function from a module (not a test file) instead`;
}

/**
 * Worker side: imports the first candidate module whose export of
 * `ref.name` has the same source text (or, failing that, the first that has
 * the export at all), or rebuilds the function from its source.
 */
export async function loadTarget(ref: TargetRef): Promise<(...args: unknown[]) => unknown> {
  let fallback: unknown;
  for (const url of ref.modules) {
    // An absolute URL found by the parent; nothing to rewrite at publish time.
    const namespace = await importing(() => import(url)) as Record<string, unknown>;
    const candidate = ref.name in namespace ? namespace[ref.name] : namespace.default;
    if (typeof candidate !== "function") continue;
    if (Function.prototype.toString.call(candidate) === ref.source) {
      return candidate as (...args: unknown[]) => unknown;
    }
    fallback ??= candidate;
  }
  if (fallback) return fallback as (...args: unknown[]) => unknown;
  return fromSource(ref);
}

function fromSource(ref: TargetRef): (...args: unknown[]) => unknown {
  let fn: unknown;
  try {
    fn = new Function(`return (${ref.source});`)();
  } catch {
    // A method's shorthand source (`run() { ... }`) is not an expression.
    fn = new Function(`return ({ ${ref.source} })[${JSON.stringify(ref.name)}];`)();
  }
  const built = fn as (...args: unknown[]) => unknown;
  const call = function (this: unknown, ...args: unknown[]): unknown {
    try {
      const result = ref.isClass ? Reflect.construct(built, args) : built.apply(this, args);
      if (result instanceof Promise) return result.catch((e) => rethrowFree(e, ref.name));
      return result;
    } catch (error) {
      return rethrowFree(error, ref.name);
    }
  };
  return call;
}

function rethrowFree(error: unknown, name: string): never {
  if (error instanceof ReferenceError) {
    const missing = /^(\S+) is not defined/.exec(error.message)?.[1] ??
      /Can't find variable: (\S+)/.exec(error.message)?.[1];
    if (missing) throw new ReferenceError(freeNameMessage(name, missing), { cause: error });
  }
  throw error;
}
