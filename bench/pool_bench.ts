/**
 * Pool(2).map of a tiny function over 100,000 items (Python's default
 * chunksize rule and chunksize 1, items/s, pool start excluded), and the
 * speed-up of a CPU-bound function on 2 workers over one thread; the same
 * work on piscina, tinypool and workerpool in the same run. Prints JSON
 * lines for bench/report.ts.
 *
 *   deno run -A bench/pool_bench.ts | bun bench/pool_bench.ts | node bench/pool_bench.ts
 *
 * Peers come from bench/node_modules (`npm install --prefix bench`); a peer
 * that does not run under a runtime gets a line on stderr instead.
 */

import process from "node:process";
import { Pool } from "../pool.ts";
import { cpu, square } from "./_pool_targets.ts";

// The peers are bench-only dependencies (`npm install --prefix bench`, which
// `npm run bench` does): imported by a computed name so that type checks of
// a fresh clone do not need them installed.
function peer(name: string): string {
  return name;
}

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
const N = 100_000;
const ROUNDS = 3;
const CPU_TASKS = 16;
const WORKERS = 2;
const items = Array.from({ length: N }, (_, i) => i);
const defaultChunk = Math.ceil(N / (4 * WORKERS));
// The peers run one task per item for chunksize 1; the slowest manage a few
// thousand tasks a second, so they get fewer items (the rate is what counts).
const PEER_CHUNK1_ITEMS = 20_000;

function emit(bench: string, who: string, unit: string, value: number): void {
  const rounded = unit === "x" ? Math.round(value * 100) / 100 : Math.round(value);
  console.log(JSON.stringify({ bench, runtime: who, unit, value: rounded }));
}

async function best(fn: () => Promise<unknown>): Promise<number> {
  let fastest = Infinity;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await fn();
    fastest = Math.min(fastest, performance.now() - t0);
  }
  return fastest;
}

function single(): number {
  let fastest = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < CPU_TASKS; i++) cpu(i);
    fastest = Math.min(fastest, performance.now() - t0);
  }
  return fastest;
}

const cpuInputs = Array.from({ length: CPU_TASKS }, (_, i) => i);

/** `promise`, or a rejection after `ms` (a peer that hangs under a runtime). */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

interface Peer {
  name: string;
  run(fn: "square" | "squareChunk" | "cpu", arg: unknown): Promise<unknown>;
  close(): Promise<unknown>;
}

async function peers(): Promise<Peer[]> {
  const worker = new URL("./_peer_worker.mjs", import.meta.url);
  const out: Peer[] = [];
  const tries: Array<[string, () => Promise<Peer>]> = [
    ["piscina", async () => {
      const { Piscina } = await import(peer("piscina"));
      const p = new Piscina({
        filename: worker.href,
        minThreads: WORKERS,
        maxThreads: WORKERS,
      });
      return {
        name: "piscina",
        run: (fn, arg) => p.run(arg, { name: fn }),
        close: async () => void (await p.destroy()),
      };
    }],
    ["tinypool", async () => {
      const { Tinypool } = await import(peer("tinypool"));
      const p = new Tinypool({
        filename: worker.href,
        minThreads: WORKERS,
        maxThreads: WORKERS,
      });
      return {
        name: "tinypool",
        run: (fn, arg) => p.run(arg, { name: fn }),
        close: async () => void (await p.destroy()),
      };
    }],
    ["workerpool", async () => {
      const workerpool = (await import(peer("workerpool"))).default;
      const file = new URL("./_workerpool_worker.mjs", import.meta.url);
      const p = workerpool.pool(file.pathname, {
        minWorkers: WORKERS,
        maxWorkers: WORKERS,
        workerType: "thread",
      });
      return {
        name: "workerpool",
        run: (fn, arg) => Promise.resolve(p.exec(fn, [arg])),
        close: async () => void (await p.terminate()),
      };
    }],
  ];
  for (const [name, make] of tries) {
    try {
      const peer = await within(make(), 10_000);
      // Warm up (starts the workers): pool start is excluded, as for ours.
      await within(
        Promise.all([1, 2, 3, 4].map((x) => peer.run("square", x))),
        10_000,
      );
      out.push(peer);
    } catch (error) {
      console.error(
        `${name} does not run under ${runtime}: ${(error as Error).message}`,
      );
    }
  }
  return out;
}

async function main(): Promise<void> {
  const t1 = single();
  {
    await using pool = new Pool(WORKERS);
    // Warm-up: workers started and their code compiled, as for the peers.
    await pool.map(square, items);
    await pool.map(square, items, 1);
    await pool.map(cpu, cpuInputs, 1);
    const tDefault = await best(() => pool.map(square, items));
    emit("pool.map.default", runtime, "items/s", N / (tDefault / 1000));
    const tOne = await best(() => pool.map(square, items, 1));
    emit("pool.map.chunk1", runtime, "items/s", N / (tOne / 1000));
    const tCpu = await best(() => pool.map(cpu, cpuInputs, 1));
    emit("pool.cpu.speedup", runtime, "x", t1 / tCpu);
  }
  for (const peer of await peers()) {
    const who = `${peer.name}@${runtime}`;
    try {
      const tDefault = await within(
        best(() => {
          const chunks = [];
          for (let i = 0; i < N; i += defaultChunk) {
            chunks.push(
              peer.run("squareChunk", items.slice(i, i + defaultChunk)),
            );
          }
          return Promise.all(chunks);
        }),
        20_000,
      );
      emit("pool.map.default", who, "items/s", N / (tDefault / 1000));
      const few = items.slice(0, PEER_CHUNK1_ITEMS);
      const t0 = performance.now();
      await within(Promise.all(few.map((x) => peer.run("square", x))), 20_000);
      emit(
        "pool.map.chunk1",
        who,
        "items/s",
        few.length / ((performance.now() - t0) / 1000),
      );
      const tCpu = await within(
        best(() =>
          Promise.all(
            Array.from({ length: CPU_TASKS }, (_, i) => peer.run("cpu", i)),
          )
        ),
        20_000,
      );
      emit("pool.cpu.speedup", who, "x", t1 / tCpu);
    } catch (error) {
      console.error(
        `${peer.name} failed under ${runtime}: ${(error as Error).message}`,
      );
    } finally {
      await within(peer.close(), 5_000).catch(() => {});
    }
  }
}

await main();
process.exit(0);
