/**
 * What the proxies share: how they are made (by a Manager only), where they
 * send themselves, and Python's comparisons.
 *
 * @module
 */

import type { Ref } from "./store.ts";
import { describe } from "../wait/futex.ts";
import { ownModule } from "../target/resolve.ts";

/**
 * The module that registers every proxy's reviver (imported by a process
 * that receives one), in the shape this copy runs in (`.js` in the npm build).
 */
export const REVIVE_URL: string = ownModule("internal/manager/revive").href;

let making: Ref | undefined;

/** Builds a proxy over `ref` (its constructor takes no arguments). */
export function make<P>(ref: Ref, build: () => P): P {
  making = ref;
  try {
    return build();
  } finally {
    making = undefined;
  }
}

/** The ref of the proxy being built; throws if no Manager is building one. */
export function takeRef(what: string): Ref {
  if (!making) throw new TypeError(`A ${what} is made by a Manager (manager.${what}())`);
  return making;
}

/** A dict key as Python's hashables port: a primitive, compared by value. */
export function checkKey(key: unknown): void {
  const t = typeof key;
  if (key === null || t === "string" || t === "number" || t === "bigint" || t === "boolean") return;
  throw new TypeError(
    `A Manager dict's keys must be strings, numbers, bigints, booleans or null, got ${
      describe(key)
    }`,
  );
}

/** Python's `<` for sort: numbers with numbers, strings with strings. */
export function compare(a: unknown, b: unknown): number {
  const ta = typeof a === "bigint" ? "number" : typeof a;
  const tb = typeof b === "bigint" ? "number" : typeof b;
  if (ta !== tb || (ta !== "number" && ta !== "string" && ta !== "boolean")) {
    throw new TypeError(`'<' is not supported between ${describe(a)} and ${describe(b)}`);
  }
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}
