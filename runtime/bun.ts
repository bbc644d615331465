/**
 * Bun: processes are Web Workers, the fastest kind to start here. Bun's
 * workers are not `WorkerGlobalScope` instances, so whether this thread is a
 * worker comes from `Bun.isMainThread`. An unhandled rejection closes a Bun
 * worker with a clean code 0; the library's own channel records 1.
 *
 * @module
 */

import type { Runtime } from "./types.ts";
import { cpuCount, exitProgram, pid, toUrl } from "./_common.ts";
import { spawnWeb, webWorkerSide } from "./_web.ts";

interface BunNamespace {
  main: string;
  isMainThread: boolean;
}

const bunNs = (): BunNamespace => (globalThis as unknown as { Bun: BunNamespace }).Bun;

// Where `bun build --compile` puts the program's modules: its embedded file
// system, `/$bunfs/` (`B:\~BUN\` on Windows).
const EMBEDDED = /^(\/\$bunfs\/|[A-Za-z]:[\\/]~BUN[\\/])/;

/** The Bun adapter. */
export const bun: Runtime = {
  name: "bun",
  spawn: spawnWeb,
  worker: webWorkerSide(() => !bunNs().isMainThread),
  pid,
  cpuCount,
  mainModule: () => (bunNs().main ? toUrl(bunNs().main) : undefined),
  exitProgram,
  singleFileExecutable: () => (EMBEDDED.test(bunNs().main) ? "bun build --compile" : null),
  stopsWorkers: true,
  warmAfterUse: true,
  nativeBufferWrites: true,
};
