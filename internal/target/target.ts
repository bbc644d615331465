/**
 * Getting a target into a worker. Python's spawn re-imports the main module
 * and finds the target by its qualified name; we find the module that
 * exports the function and send a reference to it.
 *
 * Main side ({@linkcode resolveTarget}): the candidates are the modules on
 * the call stack where the process or task was created, then the main
 * module (or the user's `module` option, first). Their source text, and the
 * text of the relative modules they import, is scanned, never run, for an
 * `export` of the function's name: a test file that merely calls
 * `new Process()` is never imported in the child, so its tests never run
 * twice. Worker side ({@linkcode loadTarget}): the matching modules are
 * imported in order and the export whose source text is the function's is
 * taken. A function exported nowhere is rebuilt from its source text.
 *
 * @module
 */

import process from "node:process";
import { importing } from "../process/state.ts";

/** A function, or a class (called with `new` in the worker). */
export type Callable =
  | ((...args: never[]) => unknown)
  | (abstract new (...args: never[]) => unknown);

/** How a worker finds a function. */
export interface TargetRef {
  /** The function's (or class's) name; "" for an anonymous function. */
  readonly name: string;
  /** Its source text, to check the export found and to rebuild lambdas. */
  readonly source: string;
  /** URLs of modules whose text exports `name`, best first; empty for a lambda. */
  readonly modules: readonly string[];
  /** Whether it is a class (called with `new`). */
  readonly isClass: boolean;
}

// The shape the library runs in, read from this module's own URL: `.ts`
// from the sources (Deno, JSR, Bun, Node inside a clone), `.js` from the npm
// build or a JSR-style transpile. Every file of ours has the same extension.
const OWN_EXTENSION = /\.[^./]*$/.exec(new URL(import.meta.url).pathname)?.[0] ?? ".js";

/**
 * The URL of one of the library's own modules, in the shape this copy runs
 * in: `path` is relative to `base` (an `import.meta.url`) and has no
 * extension, e.g. `ownModule("./bootstrap", import.meta.url)`.
 */
export function ownModule(path: string, base: string): URL {
  return new URL(path + OWN_EXTENSION, base);
}

// Our own files are never candidates: the library's top-level files, its
// internals and its runtime adapters. tests/, examples/ and bench/ below it
// are user code. In the npm build a runtime that applies the source maps
// reports frames at the `.ts` sources, one folder above the build.
const LIB_DIR = new URL("../../", import.meta.url).href;
const LIB_DIRS = OWN_EXTENSION === ".ts" ? [LIB_DIR] : [LIB_DIR, new URL("../", LIB_DIR).href];

function isLibraryFile(url: string): boolean {
  return LIB_DIRS.some((dir) => {
    if (!url.startsWith(dir)) return false;
    const rest = url.slice(dir.length);
    return rest.startsWith("internal/") || rest.startsWith("runtime/") || !rest.includes("/");
  });
}

// A stack frame's location: V8 writes `at f (file:///a.ts:1:2)` or
// `at file:///a.ts:1:2`, Bun writes absolute paths in the same shape.
const FRAME = /(?:\(|\s|@)((?:file:\/\/|https?:\/\/|\/)[^()\s]*?):\d+(?::\d+)?\)?\s*$/;

/** The user modules on a stack trace, innermost first, without duplicates. */
export function stackModules(stack: string | undefined): string[] {
  const urls: string[] = [];
  for (const line of (stack ?? "").split("\n")) {
    const match = FRAME.exec(line);
    if (!match) continue;
    const url = match[1].startsWith("/") ? new URL(`file://${match[1]}`).href : match[1];
    if (!isLibraryFile(url) && !urls.includes(url)) urls.push(url);
  }
  return urls;
}

/** The modules calling into the library right now. */
export function callerModules(): string[] {
  return stackModules(new Error().stack);
}

const resolved = new WeakMap<object, TargetRef>();

/**
 * Finds where a function can be loaded from in a worker. Cached per
 * function, so a pool resolves each function once.
 *
 * @throws {TypeError} for a bound or native function, which has no source.
 */
export function resolveTarget(
  fn: Callable,
  callers: readonly string[],
  module?: string,
): TargetRef {
  const cached = resolved.get(fn);
  if (cached && !module) return cached;
  const source = Function.prototype.toString.call(fn);
  const name = fn.name;
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new TypeError(
      `The function ${name || "(anonymous)"} has no source text (it is bound or native): ` +
        "pass a function exported from a module",
    );
  }
  const isClass = /^class\b/.test(source);
  const roots = module ? [module, ...callers] : [...callers];
  const modules = name && /^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(name)
    ? findExporters(name, roots)
    : [];
  const ref: TargetRef = { name, source, modules, isClass };
  if (!module) resolved.set(fn, ref);
  return ref;
}

// Limits of the static scan: how far through imports, and how many files.
const MAX_DEPTH = 4;
const MAX_FILES = 200;
const MAX_MATCHES = 8;

const sources = new Map<string, string | null>();

function readSource(url: string): string | null {
  if (sources.has(url)) return sources.get(url)!;
  let text: string | null = null;
  try {
    // Loaded lazily: a worker that only loads targets never needs node:fs.
    const fs = process.getBuiltinModule("node:fs") as typeof import("node:fs");
    const { fileURLToPath } = process.getBuiltinModule("node:url") as typeof import("node:url");
    if (url.startsWith("file:")) text = fs.readFileSync(fileURLToPath(url), "utf8");
  } catch {
    text = null;
  }
  sources.set(url, text);
  return text;
}

/** Modules whose text exports `name`, breadth first from `roots`. */
function findExporters(name: string, roots: readonly string[]): string[] {
  const found: string[] = [];
  const seen = new Set<string>();
  let level = roots.filter((url) => url.startsWith("file:"));
  for (let depth = 0; depth <= MAX_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const url of level) {
      if (seen.has(url) || seen.size >= MAX_FILES) continue;
      seen.add(url);
      const text = readSource(url);
      if (text === null) continue;
      if (exportsName(text, name)) {
        found.push(url);
        if (found.length >= MAX_MATCHES) return found;
      }
      for (const spec of relativeImports(text)) {
        try {
          next.push(new URL(spec, url).href);
        } catch {
          // Not a URL we can follow.
        }
      }
    }
    level = next;
  }
  return found;
}

function escape(name: string): string {
  return name.replace(/[$]/g, "\\$");
}

/** Whether module text exports a binding called `name` (or re-exports it). */
export function exportsName(text: string, name: string): boolean {
  const n = escape(name);
  const direct = new RegExp(
    String
      .raw`(^|[\n;])\s*export\s+(default\s+)?((async\s+)?function\s*\*?\s*|class\s+|const\s+|let\s+|var\s+)${n}(?![\p{L}\p{N}_$])`,
    "u",
  );
  if (direct.test(text)) return true;
  const lists = /(^|[\n;])\s*export\s*(type\s*)?\{([^}]*)\}/g;
  for (const match of text.matchAll(lists)) {
    if (match[2]) continue;
    for (const part of match[3].split(",")) {
      const exported = part.trim().split(/\s+as\s+/).pop()?.trim();
      if (exported === name) return true;
    }
  }
  return false;
}

/** Relative, absolute-path and file: specifiers of a module's static imports and re-exports. */
function relativeImports(text: string): string[] {
  const specs: string[] = [];
  const pattern = /(?:^|[\n;])\s*(?:import|export)\s[^'"`;]*?from\s*["']([^"']+)["']/g;
  for (const match of text.matchAll(pattern)) {
    const spec = match[1];
    if (/^(\.{1,2}\/|\/|file:)/.test(spec)) {
      specs.push(spec);
    }
  }
  return specs;
}

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

/**
 * The parameter names of a function, from its source text; `null` where a
 * parameter is destructured and has no name. Used to place `kwargs`.
 */
export function parameterNames(source: string): Array<string | null> {
  let text = source.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, "").trim();
  text = text.replace(/^async\s+/, "");
  let params: string;
  if (/^class\b/.test(text)) {
    const ctor = /\bconstructor\s*\(/.exec(text);
    if (!ctor) return [];
    params = balanced(text, ctor.index + ctor[0].length - 1);
  } else if (/^[\p{L}_$][\p{L}\p{N}_$]*\s*=>/u.test(text)) {
    return [text.slice(0, text.indexOf("=")).trim()];
  } else {
    const open = text.indexOf("(");
    if (open < 0) return [];
    params = balanced(text, open);
  }
  return splitTopLevel(params).map((param) => {
    const bare = param.replace(/^\.\.\./, "").split("=")[0].trim();
    return /^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(bare) ? bare : null;
  });
}

function balanced(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) return text.slice(open + 1, i);
    } else if (c === '"' || c === "'" || c === "`") {
      i = skipString(text, i);
    }
  }
  return text.slice(open + 1);
}

function skipString(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === quote) return i;
  }
  return text.length;
}

function splitTopLevel(params: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < params.length; i++) {
    const c = params[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === '"' || c === "'" || c === "`") i = skipString(params, i);
    else if (c === "," && depth === 0) {
      parts.push(params.slice(start, i));
      start = i + 1;
    }
  }
  if (params.slice(start).trim()) parts.push(params.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** `args` with `kwargs` placed at their parameters' positions. */
export function placeArgs(
  target: Callable,
  source: string,
  args: unknown[],
  kwargs: Record<string, unknown> | undefined,
): unknown[] {
  if (!kwargs || Object.keys(kwargs).length === 0) return args;
  const names = parameterNames(source);
  const placed = [...args];
  for (const [key, value] of Object.entries(kwargs)) {
    const index = names.indexOf(key);
    const fn = target.name || "the target";
    if (index < 0) {
      const known = names.filter((n) => n !== null).join(", ") || "none";
      throw new TypeError(
        `'kwargs' names '${key}', which is not a parameter of ${fn} (its parameters: ${known})`,
      );
    }
    if (index < args.length) {
      throw new TypeError(
        `${fn} got multiple values for argument '${key}' (from 'args' and 'kwargs')`,
      );
    }
    placed[index] = value;
  }
  for (let i = 0; i < placed.length; i++) if (!(i in placed)) placed[i] = undefined;
  return placed;
}
