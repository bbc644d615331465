/**
 * Bun: Web Workers start in ~1.4 ms (node:worker_threads takes ~9 ms), can
 * be unref'd, and report an exit code in their `close` event (a clean 0 even
 * for an unhandled rejection, which the library's own channel corrects).
 *
 * @module
 */

import type { Runtime } from "./types.ts";
import { cpuCount, exitProgram, pid, toUrl, webHandle, webWorkerCtor } from "./_common.ts";

interface BunNamespace {
  main: string;
}

/** The Bun adapter. */
export const bun: Runtime = {
  name: "bun",
  spawn(url, data, options) {
    const Worker = webWorkerCtor();
    const worker = new Worker(url, { type: "module", name: options.name });
    const exited = new Promise<number | null>((resolve) => {
      worker.addEventListener("close", (event) => resolve((event as CloseEvent).code ?? null));
    });
    return webHandle(worker, data, exited, true);
  },
  pid,
  cpuCount,
  mainModule: () => {
    const main = (globalThis as unknown as { Bun: BunNamespace }).Bun.main;
    return main ? toUrl(main) : undefined;
  },
  exitProgram,
};
