/**
 * Node: processes are `node:worker_threads` workers (Node has no global Web
 * Worker); they report exit codes and can be unref'd.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import process from "node:process";
import type { Runtime } from "./types.ts";
import { builtin, cpuCount, exitProgram, pid, toUrl } from "./_common.ts";
import { spawnThread, threadWorkerSide } from "./_threads.ts";

/** The Node adapter. */
export const node: Runtime = {
  name: "node",
  spawn: (url, data, options) => spawnThread(url, data, options, compileCacheEnv()),
  worker: { ...threadWorkerSide, directOutput },
  pid,
  cpuCount,
  mainModule: () => (process.argv[1] ? toUrl(process.argv[1]) : undefined),
  exitProgram,
  singleFileExecutable: () =>
    builtin<{ isSea(): boolean } | undefined>("node:sea")?.isSea()
      ? "a Node single executable application"
      : null,
  stopsWorkers: true,
  warmAfterUse: false,
  nativeBufferWrites: true,
};

/**
 * Every worker loads the library's modules and the target's afresh, and
 * Node type-strips a `.ts` module before running it: the first `.ts` module
 * a worker loads starts Node's type stripper, ~60 ms on a 2-core VM (a bare
 * worker on a `.ts` file: 121 ms, on a `.js` file: 54). Node's module
 * compile cache keeps what it stripped and compiled on disk, keyed by the
 * source's content, and a worker whose environment names the cache's folder
 * uses it (the same worker: 56 ms). Workers get that folder in their
 * environment: the one this thread's cache uses or NODE_COMPILE_CACHE names,
 * else Node's default; NODE_DISABLE_COMPILE_CACHE=1 turns it off, as it does
 * for Node itself.
 *
 * Returns the environment a new worker gets: this thread's with that folder,
 * or undefined where this thread's already names it (or turns it off).
 */
export function compileCacheEnv(): Record<string, string | undefined> | undefined {
  const env = process.env;
  if (env.NODE_COMPILE_CACHE || env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const module = builtin<typeof import("node:module")>("node:module");
  const os = builtin<typeof import("node:os")>("node:os");
  const path = builtin<typeof import("node:path")>("node:path");
  const dir = module.getCompileCacheDir?.() ?? path.join(os.tmpdir(), "node-compile-cache");
  return { ...env, NODE_COMPILE_CACHE: dir };
}

// A Node worker's process.stdout/stderr are streams into the parent thread,
// written out by the parent's event loop: while the parent blocks in a
// `Sync` call (or forever, in a hang being debugged), nothing a child prints
// shows. Writing to the file descriptors directly shows it at once.
function directOutput(): void {
  const fs = builtin<typeof import("node:fs")>("node:fs");
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const through = (stream: NodeJS.WriteStream, fd: number): void => {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      const callback = rest.find((x) => typeof x === "function") as (() => void) | undefined;
      const encoding = typeof rest[0] === "string" ? rest[0] as BufferEncoding : "utf8";
      let bytes = typeof chunk === "string" ? Buffer.from(chunk, encoding) : chunk;
      while (bytes.length > 0) {
        try {
          bytes = bytes.subarray(fs.writeSync(fd, bytes));
        } catch (error) {
          // A full non-blocking pipe: wait a moment and go on.
          if ((error as { code?: string }).code !== "EAGAIN") throw error;
          Atomics.wait(pause, 0, 0, 1);
        }
      }
      if (callback) queueMicrotask(callback);
      return true;
    }) as typeof stream.write;
  };
  through(process.stdout, 1);
  through(process.stderr, 2);
}
