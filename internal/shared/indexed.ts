/**
 * Index access through a Proxy, for the library's list-like objects in
 * shared memory (`RawArray`, `SharedArray`, `ShareableList`, a Manager's
 * list): `xs[i]` calls `get(i)`/`set(i, v)`; everything else goes to the
 * object itself, with methods bound to it (its #private fields are not
 * reachable through the proxy).
 *
 * @module
 */

/** What can be indexed: its own `get`, `set` and `length`. */
export interface Indexable {
  get(index: number): unknown;
  set(index: number, value: never): void;
  readonly length: number;
}

const INDEX = /^(0|-?[1-9]\d*)$/;

const bound = new WeakMap<object, Map<PropertyKey, unknown>>();
// Proxy -> the object behind it.
const targets = new WeakMap<object, object>();

const HANDLER: ProxyHandler<Indexable> = {
  get(target, key) {
    if (typeof key === "string" && INDEX.test(key)) return target.get(Number(key));
    const value = Reflect.get(target, key, target);
    if (typeof value !== "function" || key === "constructor") return value;
    let cache = bound.get(target);
    if (!cache) bound.set(target, cache = new Map());
    let fn = cache.get(key);
    if (!fn) cache.set(key, fn = value.bind(target));
    return fn;
  },
  set(target, key, value) {
    if (typeof key === "string" && INDEX.test(key)) {
      target.set(Number(key), value as never);
      return true;
    }
    return Reflect.set(target, key, value, target);
  },
  has(target, key) {
    if (typeof key === "string" && INDEX.test(key)) {
      const i = Number(key);
      return i >= 0 && i < target.length;
    }
    return Reflect.has(target, key);
  },
};

/** `object` behind a Proxy that maps `object[i]` to its `get`/`set`. */
export function indexed<A extends Indexable>(object: A): A {
  const proxy = new Proxy(object, HANDLER as ProxyHandler<A>);
  targets.set(proxy, object);
  return proxy;
}

/** The object behind a proxy made by {@linkcode indexed} (or the object itself). */
export function unwrap<A extends object>(object: A): A {
  return (targets.get(object) as A | undefined) ?? object;
}
