/**
 * Sharing objects with workers: how a `Queue`, a `Lock`, a `Value` or any
 * other object that lives in shared memory travels in a process's `args` (at
 * any depth), in the fields of a `Process` subclass, or in a `Pool`
 * initializer's arguments, and is revived on the other side over the same
 * memory.
 *
 * A shareable class implements `[shareSymbol]()`, returning a
 * {@linkcode SharedRef}: its kind, the URL of the module that defines it, and
 * a state of structured-clone data (its `SharedArrayBuffer`s among it). On the
 * way out, {@linkcode encodeArgs} replaces each such object by a marker; on the
 * way in, {@linkcode decodeArgs} imports the marker's module (which registers
 * its reviver with {@linkcode registerShareable} as it loads) and revives it.
 *
 * The same walk checks that everything else can be sent, and names the path
 * of what cannot: a function, a symbol, a class instance that would lose its
 * methods.
 *
 * @module
 */

/** The method a shareable object implements. */
export const shareSymbol: unique symbol = Symbol.for("@tsmp/multiprocessing.share");

/** What a shareable object sends of itself. */
export interface SharedRef {
  /** A name unique to the class, e.g. `"Queue"`. */
  readonly kind: string;
  /** `import.meta.url` of the module that defines the class. */
  readonly module: string;
  /** Structured-clone data; `SharedArrayBuffer`s in it are shared, not copied. */
  readonly state: unknown;
}

/** An object that can be handed to another process. */
export interface Shareable {
  [shareSymbol](): SharedRef;
}

type Reviver = (state: unknown) => unknown;

const revivers = new Map<string, Reviver>();

/** Registers how a kind of shared object is rebuilt from its state. */
export function registerShareable(kind: string, revive: Reviver): void {
  revivers.set(kind, revive);
}

/**
 * Rebuilds a shared object from what its `[shareSymbol]()` returned, with
 * the reviver its module registered (that module must be loaded: a nested
 * object's module is imported by its container's). Used for top-level
 * markers and for objects carried in another one's state (a Condition's
 * lock, a Value's lock).
 */
export function reviveShared(ref: SharedRef): unknown {
  const revive = revivers.get(ref.kind);
  if (!revive) throw new TypeError(`No shareable kind '${ref.kind}' in ${ref.module}`);
  return revive(ref.state);
}

/** Whether `value` is a shareable object. */
export function isShareable(value: unknown): value is Shareable {
  return typeof value === "object" && value !== null &&
    typeof (value as Partial<Shareable>)[shareSymbol] === "function";
}

// The key a marker object carries; structured clone drops prototypes, so a
// marker is a plain object with a key no user data has.
const MARK = "__tsmp_shared__";

interface Marker {
  [MARK]: SharedRef;
}

// Objects structured clone carries whole, with no methods of their own to
// lose. Their contents (for Map and Set) are still walked.
const CLONEABLE: ReadonlyArray<abstract new (...args: never[]) => unknown> = [
  Date,
  RegExp,
  ArrayBuffer,
  SharedArrayBuffer,
  DataView,
  Error,
  Boolean,
  Number,
  String,
  ...(typeof Blob === "function" ? [Blob] : []),
];

function isTypedArray(value: object): boolean {
  return ArrayBuffer.isView(value);
}

/**
 * Returns a copy of `value` fit for `postMessage`, with every shareable
 * object replaced by a marker. Throws a `TypeError` naming the path (e.g.
 * `args[1].handler`) of anything that cannot be sent.
 */
export function encodeArgs(value: unknown, path: string): unknown {
  return encode(value, path, new Map());
}

function encode(value: unknown, path: string, seen: Map<object, unknown>): unknown {
  switch (typeof value) {
    case "function":
      throw new TypeError(
        `${path} is ${fnName(value)}, which cannot be sent to a worker: ` +
          "pass data, or export the function and name it as the target",
      );
    case "symbol":
      throw new TypeError(`${path} is a symbol, which cannot be sent to a worker`);
    case "object":
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (seen.has(value)) return seen.get(value);
  if (isShareable(value)) {
    const marker: Marker = { [MARK]: value[shareSymbol]() };
    seen.set(value, marker);
    return marker;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (let i = 0; i < value.length; i++) out.push(encode(value[i], `${path}[${i}]`, seen));
    return out;
  }
  if (isTypedArray(value) || CLONEABLE.some((type) => value instanceof type)) return value;
  if (value instanceof Map) {
    const out = new Map();
    seen.set(value, out);
    for (const [k, v] of value) {
      out.set(encode(k, `${path}.<key>`, seen), encode(v, `${path}.get(${keyText(k)})`, seen));
    }
    return out;
  }
  if (value instanceof Set) {
    const out = new Set();
    seen.set(value, out);
    for (const v of value) out.add(encode(v, `${path}.<member>`, seen));
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const name = proto?.constructor?.name || "class";
    throw new TypeError(
      `${path} is a ${name} instance, which would lose its methods in the worker: ` +
        "pass plain data, or make it a Process subclass field of plain data",
    );
  }
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const key of Object.keys(value)) {
    out[key] = encode((value as Record<string, unknown>)[key], `${path}.${key}`, seen);
  }
  return out;
}

function fnName(fn: unknown): string {
  const name = (fn as { name?: string }).name;
  return name ? `the function ${name}` : "a function";
}

function keyText(key: unknown): string {
  return typeof key === "string" ? JSON.stringify(key) : String(key);
}

/**
 * Rebuilds what {@linkcode encodeArgs} produced, reviving each marker into a
 * live object over the same shared memory. Imports the module of each kind
 * not yet registered in this thread.
 */
export async function decodeArgs(value: unknown): Promise<unknown> {
  const modules = new Set<string>();
  collectModules(value, modules, new Set());
  // Absolute URLs sent by the parent: nothing for JSR to rewrite, so its
  // publish warning about an unanalyzable dynamic import is expected.
  for (const url of modules) await import(url);
  return decode(value, new Map());
}

/**
 * {@linkcode decodeArgs} for kinds already registered in this thread, at
 * once: rebuilds `value` in place (call it on a copy). Throws a `TypeError`
 * for a kind not registered.
 */
export function reviveSync(value: unknown): unknown {
  return decode(value, new Map());
}

/** The kinds of the shared objects inside a value made by {@linkcode encodeArgs}, with their paths. */
export function sharedKinds(
  value: unknown,
  path: string,
  into: [string, string][] = [],
): [string, string][] {
  if (typeof value !== "object" || value === null) return into;
  if (MARK in value) {
    into.push([path, (value as Marker)[MARK].kind]);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => sharedKinds(v, `${path}[${i}]`, into));
  } else if (value instanceof Map) {
    for (const [k, v] of value) sharedKinds(v, `${path}.get(${keyText(k)})`, into);
  } else if (value instanceof Set) {
    for (const v of value) sharedKinds(v, `${path}.<member>`, into);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) sharedKinds(v, `${path}.${k}`, into);
  }
  return into;
}

function collectModules(value: unknown, into: Set<string>, seen: Set<object>): void {
  if (typeof value !== "object" || value === null || seen.has(value)) return;
  seen.add(value);
  if (MARK in value) {
    const ref = (value as Marker)[MARK];
    if (!revivers.has(ref.kind)) into.add(ref.module);
    return;
  }
  if (Array.isArray(value)) { for (const v of value) collectModules(v, into, seen); }
  else if (value instanceof Map) {
    for (const [k, v] of value) (collectModules(k, into, seen), collectModules(v, into, seen));
  } else if (value instanceof Set) { for (const v of value) collectModules(v, into, seen); }
  else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectModules(v, into, seen);
  }
}

function decode(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (seen.has(value)) return seen.get(value);
  if (MARK in value) {
    const live = reviveShared((value as Marker)[MARK]);
    seen.set(value, live);
    return live;
  }
  if (Array.isArray(value)) {
    seen.set(value, value);
    for (let i = 0; i < value.length; i++) value[i] = decode(value[i], seen);
    return value;
  }
  if (value instanceof Map) {
    const out = new Map();
    seen.set(value, out);
    for (const [k, v] of value) out.set(decode(k, seen), decode(v, seen));
    return out;
  }
  if (value instanceof Set) {
    const out = new Set();
    seen.set(value, out);
    for (const v of value) out.add(decode(v, seen));
    return out;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  seen.set(value, value);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = decode(record[key], seen);
  return value;
}
