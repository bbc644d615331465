/**
 * Process start+join of a no-op target against starting a bare worker of
 * the same kind and waiting for it to end (the runtime's own floor), in one
 * run. Prints JSON lines for bench/report.ts.
 *
 *   deno run -A bench/process_bench.ts | bun bench/process_bench.ts | node bench/process_bench.ts
 *
 * The bare side uses the runtime's worker API directly (this file is a
 * benchmark, not part of the library): node:worker_threads on Node and
 * Deno (Deno's processes use it, see runtime/deno.ts), Web Workers on Bun.
 */

import { Worker as ThreadWorker } from "node:worker_threads";
import { Process, setStartMethod } from "../mod.ts";
import { noop } from "./_targets.ts";

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const ROUNDS = 30;
const WARMUP = 3;

type WebWorkerCtor = new (url: URL, options: { type: "module" }) => {
  addEventListener(type: string, fn: () => void): void;
};

async function bare(kind: "thread" | "web"): Promise<void> {
  const url = new URL("./_bare_worker.ts", import.meta.url);
  if (kind === "thread") {
    const w = new ThreadWorker(url as unknown as string);
    await new Promise((resolve) => w.once("exit", resolve));
  } else {
    const Web = (globalThis as unknown as { Worker: WebWorkerCtor }).Worker;
    const w = new Web(url, { type: "module" });
    await new Promise<void>((resolve) => w.addEventListener("close", resolve));
  }
}

async function ours(): Promise<void> {
  const p = new Process({ target: noop });
  p.start();
  await p.join();
}

async function median(fn: () => Promise<void>): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function emit(bench: string, value: number, vs?: string): void {
  console.log(JSON.stringify({ bench, runtime, unit: "ms", value, ...(vs ? { vs } : {}) }));
}

const bareKind = runtime === "bun" ? "web" : "thread";
// Alternate the two so that drift on the VM hits both alike.
const bareMs = await median(() => bare(bareKind));
const oursMs = await median(ours);
const bareMs2 = await median(() => bare(bareKind));
emit("process.bare_worker.start_exit", Math.min(bareMs, bareMs2));
emit("process.start_join.noop", oursMs, "process.bare_worker.start_exit");

// The forkserver start method: a warm worker waits with the bootstrap loaded.
setStartMethod("forkserver");
const warmMs = await median(ours);
setStartMethod("spawn", { force: true });
emit("process.start_join.noop.forkserver", warmMs, "process.bare_worker.start_exit");
