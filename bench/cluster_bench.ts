/**
 * Tasks/s through a NATS JetStream cluster on one machine (this driver and
 * two `tsmp-worker`s of one process each, under the same runtime) against
 * the local `Pool(2)` in the same run: `map` of a tiny function with the
 * default chunksize and with chunksize 1. Medians of ROUNDS rounds with
 * their min–max spread, as JSON lines for bench/report.ts.
 *
 *   deno run -A bench/cluster_bench.ts | bun bench/cluster_bench.ts | node bench/cluster_bench.ts
 *
 * Needs `nats-server` on PATH (it starts its own on a free loopback port).
 */

import { Pool } from "../pool.ts";
import { ClusterPool } from "../cluster.ts";
import { NATS_SERVER, startNats, startWorker } from "../tests/_cluster.ts";
import { square } from "./_pool_targets.ts";
import { bounded, done, emit, rate, rounds, runtime } from "./_stats.ts";

const WORKERS = 2;
// Items per map: chunksize 1 costs a few messages per item through the
// server, so it gets fewer items (the rate is what counts).
const N_DEFAULT = 50_000;
const N_CHUNK1 = 3_000;
const ROUND_MS = 120_000;

async function timeMap(
  pool: Pool,
  items: number[],
  chunksize?: number,
): Promise<number> {
  const t0 = performance.now();
  await pool.map(square, items, chunksize);
  return rate(items.length, performance.now() - t0);
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
      await rounds("local map", () => timeMap(pool, many), ROUND_MS),
    );
    emit(
      "cluster.local.chunk1",
      "items/s",
      await rounds("local map chunk1", () => timeMap(pool, few, 1), ROUND_MS),
    );
  }
  const nats = await startNats();
  const workers = await Promise.all(
    Array.from(
      { length: WORKERS },
      () => startWorker(runtime as "node", nats.url),
    ),
  );
  try {
    await using pool = new ClusterPool({
      servers: nats.url,
      processes: WORKERS,
    });
    // Warm-up: the workers' processes started and the function loaded.
    await bounded("cluster warm-up", pool.map(square, few, 1), ROUND_MS);
    emit(
      "cluster.map.default",
      "items/s",
      await rounds("cluster map", () => timeMap(pool, many), ROUND_MS),
      { vs: "cluster.local.default" },
    );
    emit(
      "cluster.map.chunk1",
      "items/s",
      await rounds("cluster map chunk1", () => timeMap(pool, few, 1), ROUND_MS),
      { vs: "cluster.local.chunk1" },
    );
  } finally {
    await Promise.all(workers.map((w) => w.stop("SIGTERM")));
    await nats.stop();
  }
}

await main();
done();
