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
  // Strict, as the module it came from was: a plain function called
  // without an object sees `this` undefined there, and must here too.
  let fn: unknown;
  let method = false;
  try {
    fn = new Function(`"use strict"; return (${ref.source});`)();
  } catch {
    // A method's shorthand source (`run() { ... }`) is not an expression.
    method = true;
    fn = new Function(`"use strict"; return ({ ${ref.source} })[${JSON.stringify(ref.name)}];`)();
  }
  const built = fn as (...args: unknown[]) => unknown;
  const rethrow = (error: unknown): never => rethrowFree(error, ref, method);
  const call = function (this: unknown, ...args: unknown[]): unknown {
    try {
      const result = ref.isClass ? Reflect.construct(built, args) : built.apply(this, args);
      if (result instanceof Promise) return result.catch(rethrow);
      return result;
    } catch (error) {
      return rethrow(error);
    }
  };
  return call;
}

function rethrowFree(error: unknown, ref: TargetRef, method: boolean): never {
  const name = ref.name;
  if (error instanceof ReferenceError) {
    const missing = /^(\S+) is not defined/.exec(error.message)?.[1] ??
      /Can't find variable: (\S+)/.exec(error.message)?.[1];
    if (missing) throw new ReferenceError(freeNameMessage(name, missing), { cause: error });
  }
  // `target: obj.method` sends the method alone: its object stays behind.
  if (
    method && error instanceof TypeError && /\bundefined\b/.test(error.message) &&
    /\bthis\b/.test(ref.source)
  ) {
    throw new TypeError(
      `${name} is a method, sent to the worker by its source text without its object, so ` +
        `'this' is undefined there (${error.message}). Make the class a Process subclass, or ` +
        `export a function that takes what it needs as arguments`,
      { cause: error },
    );
  }
  throw error;
}
