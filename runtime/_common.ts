/**
 * What the three runtimes share through their `node:` compatibility layer.
 * Built-in modules other than `node:process` are loaded lazily with
 * `process.getBuiltinModule`: every new worker loads this file, and in Bun
 * `node:worker_threads` alone adds ~4 ms to a worker's start.
 *
 * @module
 */

import process from "node:process";

/** A `node:` built-in module, loaded on first use. */
export function builtin<T>(name: string): T {
  return process.getBuiltinModule(name) as T;
}

/** The number of logical CPUs. */
export function cpuCount(): number {
  return navigator.hardwareConcurrency;
}

/** The OS process id. */
export function pid(): number {
  return process.pid;
}

/** Ends the whole program with `code`. */
export function exitProgram(code: number): never {
  process.exit(code);
}

/** A path or URL as a URL string. */
export function toUrl(pathOrUrl: string): string {
  if (/^[a-z][a-z0-9+.-]+:/i.test(pathOrUrl)) return pathOrUrl;
  const { pathToFileURL } = builtin<typeof import("node:url")>("node:url");
  return pathToFileURL(pathOrUrl).href;
}

/** Routes uncaught errors and unhandled rejections to `listener`, once. */
export function onUncaught(listener: (error: unknown) => void, webScope: boolean): void {
  let reported = false;
  const report = (error: unknown) => {
    // Deno and Bun may deliver one error both as an event and to process.on.
    if (reported) return;
    reported = true;
    listener(error);
  };
  process.on("uncaughtException", report);
  process.on("unhandledRejection", report);
  if (webScope) {
    const scope = globalThis as unknown as {
      addEventListener(type: string, fn: (event: Event) => void): void;
    };
    scope.addEventListener("error", (event) => {
      event.preventDefault();
      report((event as ErrorEvent).error ?? new Error((event as ErrorEvent).message));
    });
    scope.addEventListener("unhandledrejection", (event) => {
      event.preventDefault();
      report((event as Event & { reason?: unknown }).reason);
    });
  }
}

/** Calls `listener` with the code of a `process.exit()` or `Deno.exit()` call. */
export function onExitCall(listener: (code: number) => void): void {
  const exit = process.exit.bind(process);
  const wrapped = (code?: number | string | null): never => {
    const value = Number(code ?? process.exitCode ?? 0) | 0;
    listener(value);
    return exit(value);
  };
  process.exit = wrapped as typeof process.exit;
  const deno = (globalThis as { Deno?: { exit(code?: number): never } }).Deno;
  if (deno) {
    const denoExit = deno.exit.bind(deno);
    deno.exit = (code?: number): never => {
      listener((code ?? 0) | 0);
      return denoExit(code);
    };
  }
}
