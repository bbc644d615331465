/**
 * Tasks/s through a NATS JetStream cluster on one machine (this driver and
 * two `tsmp-worker`s of one process each, under the same runtime) against
 * the local `Pool(2)` in the same run: `map` of a tiny function with the
 * default chunksize and with chunksize 1. Each figure is the median of
 * ROUNDS runs, with the slowest and fastest alongside. Prints JSON lines
 * for bench/report.ts.
 *
 *   deno run -A bench/cluster_bench.ts | bun bench/cluster_bench.ts | node bench/cluster_bench.ts
 *
 * Needs `nats-server` on PATH (it starts its own on a free loopback port).
 */

import process from "node:process";
import { Pool } from "../pool.ts";
import { ClusterPool } from "../cluster.ts";
import { NATS_SERVER, startNats, startWorker } from "../tests/_cluster.ts";
import { square } from "./_pool_targets.ts";

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const ROUNDS = 5;
const WORKERS = 2;
// Items per map: chunksize 1 costs a few messages per item through the
// server, so it gets fewer items (the rate is what counts).
const N_DEFAULT = 50_000;
const N_CHUNK1 = 3_000;

function emit(
  bench: string,
  unit: string,
  times: number[],
  n: number,
  vs?: string,
): void {
  const rates = times.map((ms) => n / (ms / 1000)).sort((a, b) => a - b);
  const median = rates[rates.length >> 1];
  const line = {
    bench,
    runtime,
    unit,
    value: Math.round(median),
    min: Math.round(rates[0]),
    max: Math.round(rates[rates.length - 1]),
    ...(vs ? { vs } : {}),
  };
  console.log(JSON.stringify(line));
}

async function timed(fn: () => Promise<unknown>): Promise<number[]> {
  const times = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times;
}

async function main(): Promise<void> {
  if (!NATS_SERVER) {
    console.error("cluster bench skipped: nats-server is not on PATH");
    return;
  }
  const many = Array.from({ length: N_DEFAULT }, (_, i) => i);
  const few = many.slice(0, N_CHUNK1);
  {
    await using pool = new Pool(WORKERS);
    await pool.map(square, many);
    emit(
      "cluster.local.default",
      "items/s",
      await timed(() => pool.map(square, many)),
      many.length,
    );
    emit(
      "cluster.local.chunk1",
      "items/s",
      await timed(() => pool.map(square, few, 1)),
      few.length,
    );
  }
  const nats = await startNats();
  const workers = await Promise.all(
    Array.from({ length: WORKERS }, () => startWorker(runtime, nats.url)),
  );
  try {
    await using pool = new ClusterPool({
      servers: nats.url,
      processes: WORKERS,
    });
    // Warm-up: the workers' processes started and the function loaded.
    await pool.map(square, few, 1);
    emit(
      "cluster.map.default",
      "items/s",
      await timed(() => pool.map(square, many)),
      many.length,
      "cluster.local.default",
    );
    emit(
      "cluster.map.chunk1",
      "items/s",
      await timed(() => pool.map(square, few, 1)),
      few.length,
      "cluster.local.chunk1",
    );
  } finally {
    await Promise.all(workers.map((w) => w.stop("SIGTERM")));
    await nats.stop();
  }
}

await main();
process.exit(0);
