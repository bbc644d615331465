/**
 * Process start+join of a no-op target against starting a bare worker of
 * the same kind and waiting for it to end (the runtime's own floor), in one
 * run. Prints JSON lines for bench/report.ts.
 *
 *   deno run -A bench/process_bench.ts | bun bench/process_bench.ts | node bench/process_bench.ts
 *   npm run bench -- --build process      (the same against the npm build)
 *
 * The bare side uses the runtime's worker API directly (this file is a
 * benchmark, not part of the library): node:worker_threads on Node and
 * Deno (Deno's processes use it, see runtime/deno.ts), Web Workers on Bun.
 */

import { Worker as ThreadWorker } from "node:worker_threads";
import process from "node:process";
import { noop } from "./_targets.ts";
import { compileCacheEnv } from "../runtime/node.ts";
import { noopBeside } from "./_library_targets.ts";
import { bounded, done, emit, interleaved, runtime } from "./_stats.ts";

// BENCH_LIB=dist (`npm run bench -- --build process`) times the npm build
// (dist/, from `npm run build`) instead of the .ts sources.
const { Process, setStartMethod }: typeof import("../mod.ts") = await import(
  process.env.BENCH_LIB === "dist" ? "../dist/mod.js" : "../mod.ts"
);

const ROUNDS = 15;
const WARMUP = 3;

type WebWorkerCtor = new (url: URL, options: { type: "module" }) => {
  addEventListener(type: string, fn: () => void): void;
};

// On Node the library's workers use Node's module compile cache (see
// runtime/node.ts); the bare worker gets the same, so that the ratio is the
// library's own cost and not the type stripping the cache saves.
const bareEnv = (runtime === "node" ? compileCacheEnv() : undefined) ?? process.env;

async function bare(kind: "thread" | "web", file = "./_bare_worker.ts"): Promise<void> {
  const url = new URL(file, import.meta.url);
  if (kind === "thread") {
    const w = new ThreadWorker(url as unknown as string, { env: bareEnv });
    await bounded(
      "bare worker start+exit",
      new Promise((resolve) => w.once("exit", resolve)),
      30_000,
    );
  } else {
    const Web = (globalThis as unknown as { Worker: WebWorkerCtor }).Worker;
    const w = new Web(url, { type: "module" });
    await bounded(
      "bare worker start+exit",
      new Promise<void>((resolve) => w.addEventListener("close", resolve)),
      30_000,
    );
  }
}

async function ours(target: () => void = noop): Promise<void> {
  const p = new Process({ target });
  p.start();
  await bounded("Process start+join", p.join(), 30_000);
}

// A pause after each round: a worker's thread is still being torn down for
// a while after it has exited (after `join()` returns, after the bare
// worker's exit event), and a round started at once would share the
// machine with that teardown: the one started next, not the one that left
// it, would pay for it.
const GAP_MS = 60;

const TIMING = { n: ROUNDS, warmup: WARMUP, pauseMs: GAP_MS };

const bareKind = runtime === "bun" ? "web" : "thread";
// Interleaved, bare then ours in each round: drift on the VM hits both alike.
const [bareMs, oursMs] = await interleaved(
  [
    { name: "bare worker start+exit", run: () => bare(bareKind) },
    { name: "Process start+join", run: ours },
  ],
  30_000,
  TIMING,
);
emit("process.bare_worker.start_exit", "ms", bareMs);
emit("process.start_join.noop", "ms", oursMs, {
  vs: "process.bare_worker.start_exit",
});

// The same with the target in a module that imports the library, as a
// program's own module does (and as Python's child imports multiprocessing
// and the main module again): the child loads the whole library. The bare
// worker's module imports it too.
const [bareLibMs, oursLibMs] = await interleaved(
  [
    {
      name: "bare worker importing the library",
      run: () => bare(bareKind, "./_bare_library_worker.ts"),
    },
    { name: "Process start+join, target importing the library", run: () => ours(noopBeside) },
  ],
  30_000,
  TIMING,
);
emit("process.bare_worker.start_exit.library", "ms", bareLibMs);
emit("process.start_join.noop.library", "ms", oursLibMs, {
  vs: "process.bare_worker.start_exit.library",
});

// The forkserver start method: a warm worker waits with the bootstrap loaded.
setStartMethod("forkserver");
const [warmMs] = await interleaved(
  [{ name: "forkserver Process start+join", run: ours }],
  30_000,
  TIMING,
);
setStartMethod("spawn", { force: true });
emit("process.start_join.noop.forkserver", "ms", warmMs, {
  vs: "process.bare_worker.start_exit",
});
done();
