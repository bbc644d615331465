/**
 * Getting a target into a worker, the main side. Python's spawn re-imports
 * the main module and finds the target by its qualified name; we find the
 * module that exports the function and send a reference to it
 * ({@linkcode TargetRef}), which `load.ts` follows in the worker.
 *
 * The candidates are the modules on the call stack where the process or
 * task was created, then the main module (or the user's `module` option,
 * first). Their source text, and the text of the relative modules they
 * import, is scanned, never run, for an `export` of the function's name: a
 * test file that merely calls `new Process()` is never imported in the
 * child, so its tests never run twice.
 *
 * @module
 */

import process from "node:process";

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
const OWN_URL = new URL(import.meta.url);
const OWN_EXTENSION = /\.[^./]*$/.exec(OWN_URL.pathname)?.[0] ?? ".js";

// The library's root folder: two above this module, or, in the npm build,
// where this code is bundled into a file at the top of the build
// (scripts/build.js checks that it is), that file's folder.
const LIB_DIR = new URL(
  /\/internal\/target\/resolve\.[^./]+$/.test(OWN_URL.pathname) ? "../../" : "./",
  OWN_URL,
).href;

/**
 * The URL of one of the library's own modules, in the shape this copy runs
 * in: `path` is relative to the library's root and has no extension, e.g.
 * `ownModule("internal/process/bootstrap")`.
 */
export function ownModule(path: string): URL {
  return new URL(path + OWN_EXTENSION, LIB_DIR);
}

// Our own files are never candidates: the library's top-level files (in the
// npm build also its bundle's chunks), its internals and its runtime
// adapters. tests/, examples/ and bench/ below it are user code. In the npm
// build a runtime that applies the source maps reports frames at the `.ts`
// sources, one folder above the build.
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

// Per function, by the module named for it ("" when none).
const resolved = new WeakMap<object, Map<string, TargetRef>>();

/**
 * Finds where a function can be loaded from in a worker. Cached per
 * function and module named, so a pool resolves each function once and
 * each pool's worker target once.
 *
 * @throws {TypeError} for a bound or native function, which has no source.
 */
export function resolveTarget(
  fn: Callable,
  callers: readonly string[],
  module?: string,
): TargetRef {
  let byModule = resolved.get(fn);
  const cached = byModule?.get(module ?? "");
  if (cached) return cached;
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
  // One of the library's own modules, named by the library (a pool's
  // worker loop): it exports the function; nothing to search.
  const modules = module && isLibraryFile(module)
    ? [module]
    : name && /^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(name)
    ? findExporters(name, roots)
    : [];
  const ref: TargetRef = { name, source, modules, isClass };
  if (!byModule) resolved.set(fn, byModule = new Map());
  byModule.set(module ?? "", ref);
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
      // The library's own files export no user's function (a program in
      // a clone of this repository imports them by relative paths).
      if (depth > 0 && isLibraryFile(url)) continue;
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

/**
 * Whether module text exports a binding called `name` (or re-exports it),
 * or exports it as default (`export default name`). Comments and the
 * contents of strings are blanked first, so that text that only looks like
 * an export (in a comment, a string or a template) is not taken for one.
 */
export function exportsName(source: string, name: string): boolean {
  const text = blankCommentsAndStrings(source);
  const n = escape(name);
  const direct = new RegExp(
    String
      .raw`(^|[\n;])\s*export\s+(default\s+)?((async\s+)?function\s*\*?\s*|class\s+|const\s+|let\s+|var\s+)${n}(?![\p{L}\p{N}_$])`,
    "u",
  );
  if (direct.test(text)) return true;
  const defaultName = new RegExp(String.raw`(^|[\n;])\s*export\s+default\s+${n}\s*(;|\n|$)`, "u");
  if (defaultName.test(text)) return true;
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

/**
 * `text` with every comment and the contents of every string and template
 * literal replaced by spaces, newlines kept (so that lines stay lines). A
 * quoted string ends at its line's end at the latest, so that a quote inside
 * a regular expression literal cannot swallow the code after it.
 */
export function blankCommentsAndStrings(text: string): string {
  let out = "";
  let i = 0;
  const blank = (from: number, to: number): string => text.slice(from, to).replace(/[^\n]/g, " ");
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    let end: number;
    if (c === "/" && next === "/") {
      end = text.indexOf("\n", i);
      if (end < 0) end = text.length;
    } else if (c === "/" && next === "*") {
      end = text.indexOf("*/", i + 2);
      end = end < 0 ? text.length : end + 2;
    } else if (c === '"' || c === "'" || c === "`") {
      end = i + 1;
      while (end < text.length && text[end] !== c && (c === "`" || text[end] !== "\n")) {
        end += text[end] === "\\" ? 2 : 1;
      }
      end = Math.min(end + 1, text.length);
      out += c + blank(i + 1, end - 1) + (text[end - 1] === c ? c : text[end - 1] ?? "");
      i = end;
      continue;
    } else {
      out += c;
      i++;
      continue;
    }
    out += blank(i, end);
    i = end;
  }
  return out;
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
