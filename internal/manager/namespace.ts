/**
 * A Manager's `Namespace`: attributes shared by every process that holds it
 * (`ns.x = 1` in one process, `ns.x` in another). Re-exported by
 * `manager.ts`.
 *
 * @module
 */

import { fromStored, read, type Ref, toStored, write } from "./store.ts";
import { make, REVIVE_URL, takeRef } from "./common.ts";
import { type SharedRef, shareSymbol } from "../shareable.ts";

type Stored = Record<string, unknown>;

/**
 * What `manager.Namespace()` gives: an object whose string-keyed
 * properties live in shared memory. Reading one returns a copy; setting,
 * deleting, `in` and `Object.keys` work as on a plain object, each atomic.
 * A missing attribute reads as `undefined` (Python raises AttributeError).
 *
 * @typeParam T The attributes' types.
 *
 * @example Set in a child, read in the parent
 * ```ts
 * import { Manager, type Namespace, Process } from "@tsmp/multiprocessing";
 *
 * export function report(ns: Namespace<{ done?: string }>): void {
 *   ns.done = "yes";
 * }
 *
 * if (import.meta.main) {
 *   await using manager = new Manager();
 *   const ns = manager.Namespace<{ done?: string }>();
 *   const p = new Process({ target: report, args: [ns] });
 *   p.start();
 *   await p.join();
 *   console.log(ns.done); // yes
 * }
 * ```
 */
// deno-lint-ignore no-explicit-any
export type Namespace<T extends Record<string, any> = Record<string, any>> = T;

class NamespaceTarget {
  #ref: Ref;

  constructor() {
    this.#ref = takeRef("Namespace");
  }

  get ref(): Ref {
    return this.#ref;
  }

  [shareSymbol](): SharedRef {
    return { kind: "NamespaceProxy", module: REVIVE_URL, state: this.#ref };
  }
}

const HANDLER: ProxyHandler<NamespaceTarget> = {
  get(target, key) {
    if (typeof key === "symbol") {
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    }
    return read(
      target.ref,
      "namespace",
      (o: Stored) => Object.hasOwn(o, key) ? fromStored(o[key]) : undefined,
    );
  },
  set(target, key, value) {
    if (typeof key === "symbol") return Reflect.set(target, key, value, target);
    const stored = toStored(value, key);
    write(target.ref, "namespace", (o: Stored) => (o[key] = stored));
    return true;
  },
  deleteProperty(target, key) {
    if (typeof key === "symbol") return Reflect.deleteProperty(target, key);
    write(target.ref, "namespace", (o: Stored) => delete o[key]);
    return true;
  },
  has(target, key) {
    if (typeof key === "symbol") return Reflect.has(target, key);
    return read(target.ref, "namespace", (o: Stored) => Object.hasOwn(o, key));
  },
  ownKeys(target) {
    return read(target.ref, "namespace", (o: Stored) => Object.keys(o));
  },
  getOwnPropertyDescriptor(target, key) {
    if (typeof key === "symbol") return Reflect.getOwnPropertyDescriptor(target, key);
    return read(
      target.ref,
      "namespace",
      (o: Stored) =>
        Object.hasOwn(o, key)
          ? { value: fromStored(o[key]), writable: true, enumerable: true, configurable: true }
          : undefined,
    );
  },
};

/** A Namespace over the container at `ref`. */
export function namespaceProxy<T extends Record<string, unknown>>(ref: Ref): Namespace<T> {
  return make(ref, () => new Proxy(new NamespaceTarget(), HANDLER)) as unknown as Namespace<T>;
}
