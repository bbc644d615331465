/**
 * Queue and Pipe throughput and round trips, against bare `postMessage` of
 * the same values on the same runtime, in one run. Prints JSON lines for
 * bench/report.ts; bench/python/queue.py measures Python's mp.Queue and
 * mp.Pipe the same way.
 *
 *   deno run -A bench/queue_bench.ts; bun bench/queue_bench.ts; node bench/queue_bench.ts
 *
 * Queue figures are items per second from opening a gate the started
 * producers wait on to the last get (start-up is not timed); round trips
 * are medians of µs per send+recv after a warm-up.
 */

import { Worker } from "node:worker_threads";
import { Pipe, Process, Queue } from "../mod.ts";
import { consume, ping, pong, pongAsync, produce } from "./_queue_targets.ts";

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const SMALL_N = 400_000;
const BYTES_N = 100_000;
const RT_N = 20_000;

function emit(bench: string, unit: string, value: number, vs?: string): void {
  const v = Math.round(value * 100) / 100;
  console.log(JSON.stringify({ bench, runtime, unit, value: v, ...(vs ? { vs } : {}) }));
}

function gate(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

function open(g: Int32Array): number {
  Atomics.store(g, 0, 1);
  Atomics.notify(g, 0);
  return performance.now();
}

/** 1 producer process → main, main getting with `await get()` or `getSync()`. */
async function oneToOne(kind: "small" | "bytes1k", n: number, sync: boolean): Promise<number> {
  const q = new Queue<unknown>();
  const g = gate();
  const p = new Process({ target: produce, args: [q, n, kind, g] });
  p.start();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const t0 = open(g);
  if (sync) { for (let i = 0; i < n; i++) q.getSync(); }
  else for (let i = 0; i < n; i++) await q.get();
  const rate = n / ((performance.now() - t0) / 1000);
  await p.join();
  return rate;
}

/** 4 producer processes → 3 consumer processes. */
async function fourToThree(kind: "small" | "bytes1k", n: number): Promise<number> {
  const q = new Queue<unknown>();
  const g = gate();
  const done = new Int32Array(new SharedArrayBuffer(4));
  const per = Math.floor(n / 12) * 3;
  const total = per * 4;
  const ps = [
    ...Array.from({ length: 4 }, () => new Process({ target: produce, args: [q, per, kind, g] })),
    ...Array.from(
      { length: 3 },
      () => new Process({ target: consume, args: [q, total / 3, g, done] }),
    ),
  ];
  for (const p of ps) p.start();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const t0 = open(g);
  while (Atomics.load(done, 0) < 3) {
    await Atomics.waitAsync(done, 0, Atomics.load(done, 0), 1000).value;
  }
  const rate = total / ((performance.now() - t0) / 1000);
  for (const p of ps) await p.join();
  return rate;
}

/** Bare postMessage worker → main of the same values. */
async function bareOneToOne(kind: "small" | "bytes1k", n: number): Promise<number> {
  const w = new Worker(new URL("./_post_worker.ts", import.meta.url) as unknown as string, {
    workerData: { mode: kind, n },
  });
  let got = 0;
  let t0 = 0;
  const finished = new Promise<void>((resolve) => {
    w.on("message", () => {
      if (++got === n) resolve();
    });
  });
  w.once("online", () => {});
  await new Promise((resolve) => setTimeout(resolve, 100));
  t0 = performance.now();
  w.postMessage("go");
  await finished;
  const rate = n / ((performance.now() - t0) / 1000);
  await w.terminate();
  return rate;
}

/** Worker ↔ worker Sync Pipe round trip, in µs. */
async function pipeSyncWorkers(): Promise<number> {
  const [a, b] = Pipe<number>();
  const out = new Float64Array(new SharedArrayBuffer(8));
  const warm = 2000;
  const ps = [
    new Process({ target: ping, args: [a, RT_N, warm, out] }),
    new Process({ target: pong, args: [b, RT_N + warm] }),
  ];
  for (const p of ps) p.start();
  for (const p of ps) await p.join();
  return out[0];
}

/** Main ↔ worker round trip with `await recv()` in main and an async child. */
async function pipeAsyncMain(): Promise<number> {
  const [a, b] = Pipe<number>();
  const warm = 2000;
  const p = new Process({ target: pongAsync, args: [b, RT_N + warm] });
  p.start();
  for (let i = 0; i < warm; i++) {
    a.send(i);
    await a.recv();
  }
  const t0 = performance.now();
  for (let i = 0; i < RT_N; i++) {
    a.send(i);
    await a.recv();
  }
  const us = ((performance.now() - t0) * 1000) / RT_N;
  await p.join();
  return us;
}

/** Bare postMessage main ↔ worker round trip, in µs. */
async function bareRoundTrip(): Promise<number> {
  const w = new Worker(new URL("./_post_worker.ts", import.meta.url) as unknown as string, {
    workerData: { mode: "echo", n: 0 },
  });
  let resolve: (v: unknown) => void = () => {};
  w.on("message", (m) => resolve(m));
  const trip = (i: number) =>
    new Promise((r) => {
      resolve = r;
      w.postMessage(i);
    });
  for (let i = 0; i < 2000; i++) await trip(i);
  const t0 = performance.now();
  for (let i = 0; i < RT_N; i++) await trip(i);
  const us = ((performance.now() - t0) * 1000) / RT_N;
  await trip(-1);
  await w.terminate();
  return us;
}

const best = async (fn: () => Promise<number>, higher = true) => {
  const a = await fn(), b = await fn();
  return higher ? Math.max(a, b) : Math.min(a, b);
};

emit("postmessage.small.1to1", "msgs/s", await best(() => bareOneToOne("small", SMALL_N)));
emit(
  "queue.small.1to1",
  "msgs/s",
  await best(() => oneToOne("small", SMALL_N, false)),
  "postmessage.small.1to1",
);
emit(
  "queue.small.1to1.sync",
  "msgs/s",
  await best(() => oneToOne("small", SMALL_N, true)),
  "postmessage.small.1to1",
);
emit("queue.small.4to3", "msgs/s", await best(() => fourToThree("small", SMALL_N)));
emit("postmessage.bytes1k.1to1", "msgs/s", await best(() => bareOneToOne("bytes1k", BYTES_N)));
emit(
  "queue.bytes1k.1to1",
  "msgs/s",
  await best(() => oneToOne("bytes1k", BYTES_N, false)),
  "postmessage.bytes1k.1to1",
);
emit("queue.bytes1k.4to3", "msgs/s", await best(() => fourToThree("bytes1k", BYTES_N)));
emit("postmessage.roundtrip", "µs", await best(bareRoundTrip, false));
emit("pipe.roundtrip.sync.workers", "µs", await best(pipeSyncWorkers, false));
emit("pipe.roundtrip.async.main", "µs", await best(pipeAsyncMain, false), "postmessage.roundtrip");
