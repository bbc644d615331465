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
import { bounded, done, emit, rounds } from "./_stats.ts";

// Items per round, the same on Python's side (bench/python/queue.py). Each
// round starts fresh processes, so a short round times mostly new threads'
// compilers warming up: with 25,000 1 KiB items a round, Bun's Queue ran
// at 0.49-0.56x postMessage's rate, with 100,000 at 0.85-0.92x (bun
// bench/queue_bench.ts, two runs each, the same code).
const SMALL_N = 100_000;
const BYTES_N = 100_000;
const RT_N = 5_000;

// Bounds: on a round, and on a single get/recv that should answer at once.
const ROUND_MS = 60_000;
const WAIT_MS = 20_000;
const wait = { timeout: WAIT_MS };

function gate(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

function open(g: Int32Array): number {
  Atomics.store(g, 0, 1);
  Atomics.notify(g, 0);
  return performance.now();
}

/** 1 producer process → main, main getting with `await get()` or `getSync()`. */
async function oneToOne(
  kind: "small" | "bytes1k",
  n: number,
  sync: boolean,
): Promise<number> {
  const q = new Queue<unknown>();
  const g = gate();
  const p = new Process({ target: produce, args: [q, n, kind, g] });
  p.start();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const t0 = open(g);
  if (sync) { for (let i = 0; i < n; i++) q.getSync(wait); }
  else for (let i = 0; i < n; i++) await q.get(wait);
  const rate = n / ((performance.now() - t0) / 1000);
  await bounded("queue producer join", p.join(), WAIT_MS);
  return rate;
}

/** 4 producer processes → 3 consumer processes. */
async function fourToThree(
  kind: "small" | "bytes1k",
  n: number,
): Promise<number> {
  const q = new Queue<unknown>();
  const g = gate();
  const done = new Int32Array(new SharedArrayBuffer(4));
  const per = Math.floor(n / 12) * 3;
  const total = per * 4;
  const ps = [
    ...Array.from(
      { length: 4 },
      () => new Process({ target: produce, args: [q, per, kind, g] }),
    ),
    ...Array.from(
      { length: 3 },
      () => new Process({ target: consume, args: [q, total / 3, g, done] }),
    ),
  ];
  for (const p of ps) p.start();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const t0 = open(g);
  const by = performance.now() + ROUND_MS;
  while (Atomics.load(done, 0) < 3) {
    if (performance.now() > by) {
      throw new Error('step "4 to 3 consumers done" stalled');
    }
    const seen = Atomics.load(done, 0);
    const armed = Atomics.waitAsync(done, 0, seen, 1000);
    if (armed.async) {
      // A timer keeps the event loop alive where a waitAsync alone does not.
      const timer = setTimeout(() => {}, 1000);
      await armed.value;
      clearTimeout(timer);
    }
  }
  const rate = total / ((performance.now() - t0) / 1000);
  for (const p of ps) await bounded("4 to 3 join", p.join(), WAIT_MS);
  return rate;
}

/** Bare postMessage worker → main of the same values. */
async function bareOneToOne(
  kind: "small" | "bytes1k",
  n: number,
): Promise<number> {
  const w = new Worker(
    new URL("./_post_worker.ts", import.meta.url) as unknown as string,
    {
      workerData: { mode: kind, n },
    },
  );
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
  await bounded("bare postMessage receive", finished, ROUND_MS);
  const rate = n / ((performance.now() - t0) / 1000);
  await w.terminate();
  return rate;
}

/** Worker ↔ worker Sync Pipe round trip, in µs. */
async function pipeSyncWorkers(): Promise<number> {
  const [a, b] = Pipe<number>();
  const out = new Float64Array(new SharedArrayBuffer(8));
  const warm = 500;
  const ps = [
    new Process({ target: ping, args: [a, RT_N, warm, out] }),
    new Process({ target: pong, args: [b, RT_N + warm] }),
  ];
  for (const p of ps) p.start();
  for (const p of ps) {
    await bounded("Sync pipe ping-pong join", p.join(), ROUND_MS);
  }
  return out[0];
}

/** Main ↔ worker round trip with `await recv()` in main and an async child. */
async function pipeAsyncMain(): Promise<number> {
  const [a, b] = Pipe<number>();
  const warm = 500;
  const p = new Process({ target: pongAsync, args: [b, RT_N + warm] });
  p.start();
  for (let i = 0; i < warm; i++) {
    a.send(i);
    await a.recv(wait);
  }
  const t0 = performance.now();
  for (let i = 0; i < RT_N; i++) {
    a.send(i);
    await a.recv(wait);
  }
  const us = ((performance.now() - t0) * 1000) / RT_N;
  await bounded("async pipe pong join", p.join(), WAIT_MS);
  return us;
}

/** Bare postMessage main ↔ worker round trip, in µs. */
async function bareRoundTrip(): Promise<number> {
  const w = new Worker(
    new URL("./_post_worker.ts", import.meta.url) as unknown as string,
    {
      workerData: { mode: "echo", n: 0 },
    },
  );
  let resolve: (v: unknown) => void = () => {};
  w.on("message", (m) => resolve(m));
  const trip = (i: number) =>
    new Promise((r) => {
      resolve = r;
      w.postMessage(i);
    });
  const trips = async (n: number) => {
    for (let i = 0; i < n; i++) await trip(i);
  };
  await bounded("bare postMessage warm-up", trips(500), ROUND_MS);
  const t0 = performance.now();
  await bounded("bare postMessage round trips", trips(RT_N), ROUND_MS);
  const us = ((performance.now() - t0) * 1000) / RT_N;
  await w.terminate();
  return us;
}

const r = (step: string, fn: () => Promise<number>) => rounds(step, fn, ROUND_MS);
const VS_POST_SMALL = { vs: "postmessage.small.1to1" };
const VS_POST_BYTES = { vs: "postmessage.bytes1k.1to1" };
const VS_POST_RT = { vs: "postmessage.roundtrip" };

emit(
  "postmessage.small.1to1",
  "msgs/s",
  await r("bare postMessage small", () => bareOneToOne("small", SMALL_N)),
);
emit(
  "queue.small.1to1",
  "msgs/s",
  await r("queue small 1 to 1", () => oneToOne("small", SMALL_N, false)),
  VS_POST_SMALL,
);
emit(
  "queue.small.1to1.sync",
  "msgs/s",
  await r("queue small 1 to 1 sync", () => oneToOne("small", SMALL_N, true)),
  VS_POST_SMALL,
);
emit(
  "queue.small.4to3",
  "msgs/s",
  await r("queue small 4 to 3", () => fourToThree("small", SMALL_N)),
);
emit(
  "postmessage.bytes1k.1to1",
  "msgs/s",
  await r("bare postMessage 1 KiB", () => bareOneToOne("bytes1k", BYTES_N)),
);
emit(
  "queue.bytes1k.1to1",
  "msgs/s",
  await r("queue 1 KiB 1 to 1", () => oneToOne("bytes1k", BYTES_N, false)),
  VS_POST_BYTES,
);
emit(
  "queue.bytes1k.1to1.sync",
  "msgs/s",
  await r("queue 1 KiB 1 to 1 sync", () => oneToOne("bytes1k", BYTES_N, true)),
  VS_POST_BYTES,
);
emit(
  "queue.bytes1k.4to3",
  "msgs/s",
  await r("queue 1 KiB 4 to 3", () => fourToThree("bytes1k", BYTES_N)),
);
emit(
  "postmessage.roundtrip",
  "µs",
  await r("bare postMessage round trip", bareRoundTrip),
);
emit(
  "pipe.roundtrip.sync.workers",
  "µs",
  await r("Sync pipe round trip", pipeSyncWorkers),
);
emit(
  "pipe.roundtrip.async.main",
  "µs",
  await r("async pipe round trip", pipeAsyncMain),
  VS_POST_RT,
);
done();
