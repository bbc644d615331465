/**
 * Pool(2) against piscina, tinypool and workerpool in the same run (items/s,
 * pool start excluded):
 *
 * - `map` with the default chunksize (Python's rule, `ceil(n / 8)` here) of
 *   100,000 ints (`square`), 10,000 strings of 1 KiB (`countA`) and 100,000
 *   `{id, name, score}` objects (`score`); the peers run the same chunks,
 *   each one task returning the chunk's values, joined into one list of
 *   results (what `map` returns) by the same `concat` ours uses. These
 *   figures are taken interleaved: every pool is started first, then each
 *   round times ours and each peer in turn, so that all see the same
 *   moments of the machine and of the engine's collector (on a small VM
 *   the same map runs 2–3x faster or slower for a stretch of rounds, for
 *   every pool alike);
 * - `starmap` of 100,000 pairs (`mul`), default chunksize;
 * - `map` with `chunksize` 1 and `imap` (its default chunksize is 1) of
 *   20,000 ints; the peers run one task per item (fewer items: the slowest
 *   manage a few thousand tasks a second, and the rate is what counts);
 * - the speed-up of a CPU-bound function on 2 workers over one thread;
 * - a pool's whole life in a short script (ms, pool start included): start
 *   Pool(2), map 10 ints, terminate; each peer the same with 10 tasks,
 *   interleaved with ours. Every worker of ours imports the library: from
 *   the sources, or from the npm build with `npm run bench -- --build pool`.
 *
 * Each figure is the median of ROUNDS rounds (INTERLEAVED_ROUNDS for the
 * interleaved ones) with its min–max spread; every
 * round is bounded, and a stalled one is named on stderr. Prints JSON lines
 * for bench/report.ts.
 *
 *   deno run -A bench/pool_bench.ts | bun bench/pool_bench.ts | node bench/pool_bench.ts
 *
 * Peers come from bench/node_modules (`npm install --prefix bench`); a peer
 * that does not run under a runtime gets a line on stderr instead.
 */

import process from "node:process";
import { countA, cpu, mul, score, square } from "./_pool_targets.ts";
import { bounded, done, emit, interleaved, rate, rounds, runtime, Stalled } from "./_stats.ts";

// BENCH_LIB=dist (`npm run bench -- --build pool`) times the npm build
// (dist/, from `npm run build`) instead of the .ts sources.
const { Pool }: typeof import("../pool.ts") = await import(
  process.env.BENCH_LIB === "dist" ? "../dist/pool.js" : "../pool.ts"
);
type Pool = InstanceType<typeof Pool>;

// The peers are bench-only dependencies (`npm install --prefix bench`, which
// `npm run bench` does): imported by a computed name so that type checks of
// a fresh clone do not need them installed.
function peer(name: string): string {
  return name;
}

const WORKERS = 2;
const CPU_TASKS = 16;
const ROUND_MS = 20_000;
const PEER_CHUNK1_ITEMS = 2_000;
const INTERLEAVED_ROUNDS = 15;

type Item = number | string | { id: number; name: string; score: number } | [
  number,
  number,
];

interface Input {
  /** Figure name: pool.<name>.default. */
  name: string;
  items: Item[];
  /** Our function (map, or starmap for pairs). */
  fn: (...args: never[]) => unknown;
  star: boolean;
  /** The peers' function of a chunk. */
  chunkFn: string;
}

const ints = Array.from({ length: 100_000 }, (_, i) => i);
const ONE_BY_ONE = ints.slice(0, 20_000);
const KIB = "abcdefghijklmnop".repeat(64);
const inputs: Input[] = [
  { name: "map", items: ints, fn: square, star: false, chunkFn: "squareChunk" },
  {
    name: "map.str1k",
    items: Array.from(
      { length: 10_000 },
      (_, i) => String(i).padStart(8, "0") + KIB.slice(8),
    ),
    fn: countA,
    star: false,
    chunkFn: "countAChunk",
  },
  {
    name: "map.objects",
    items: Array.from(
      { length: 100_000 },
      (_, i) => ({ id: i, name: `item-${i}`, score: i % 97 }),
    ),
    fn: score,
    star: false,
    chunkFn: "scoreChunk",
  },
  {
    name: "starmap",
    items: ints.map((i): [number, number] => [i, i + 1]),
    fn: mul,
    star: true,
    chunkFn: "mulChunk",
  },
];
const chunkOf = (n: number) => Math.ceil(n / (4 * WORKERS));
const cpuInputs = Array.from({ length: CPU_TASKS }, (_, i) => i);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function single(): number[] {
  const out: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let i = 0; i < CPU_TASKS; i++) cpu(i);
    out.push(performance.now() - t0);
  }
  return out;
}

interface Peer {
  name: string;
  run(fn: string, arg: unknown): Promise<unknown>;
  close(): Promise<unknown>;
}

const worker = new URL("./_peer_worker.mjs", import.meta.url);

/** A pool of piscina's API (tinypool is a fork of it), made by the class `load` gives. */
function piscinaLike(
  name: string,
  load: () => Promise<
    new (options: object) => {
      run(arg: unknown, options: { name: string }): Promise<unknown>;
      destroy(): Promise<unknown>;
    }
  >,
): () => Promise<Peer> {
  return async () => {
    const Pool = await load();
    const p = new Pool({
      filename: worker.href,
      minThreads: WORKERS,
      maxThreads: WORKERS,
    });
    return {
      name,
      run: (fn, arg) => p.run(arg, { name: fn }),
      close: async () => void (await p.destroy()),
    };
  };
}

/** How each peer's pool is made: a new one at each call. */
const PEER_MAKERS: Array<[string, () => Promise<Peer>]> = [
  [
    "piscina",
    piscinaLike("piscina", async () => (await import(peer("piscina"))).Piscina),
  ],
  [
    "tinypool",
    piscinaLike(
      "tinypool",
      async () => (await import(peer("tinypool"))).Tinypool,
    ),
  ],
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

async function peers(): Promise<Peer[]> {
  const out: Peer[] = [];
  for (const [name, make] of PEER_MAKERS) {
    try {
      const peer = await bounded(`${name} start`, make(), 10_000);
      // Warm up (starts the workers): pool start is excluded, as for ours.
      await bounded(
        `${name} warm-up`,
        Promise.all([1, 2, 3, 4].map((x) => peer.run("square", x))),
        10_000,
      );
      out.push(peer);
    } catch (error) {
      if (!(error instanceof Stalled)) {
        console.error(
          `${name} does not run under ${runtime}: ${(error as Error).message}`,
        );
      }
    }
  }
  return out;
}

/** One pool in the interleaved figures: how it maps an input. */
interface Contestant {
  who: string;
  run(input: Input): Promise<unknown>;
}

function ourMap(pool: Pool): Contestant {
  return {
    who: runtime,
    run: (input) =>
      input.star
        ? pool.starmap(
          input.fn as (a: number, b: number) => number,
          input.items as [number, number][],
        )
        : pool.map(input.fn as (x: Item) => unknown, input.items),
  };
}

function peerMap(peer: Peer): Contestant {
  return {
    who: `${peer.name}@${runtime}`,
    run: async (input) => {
      const size = chunkOf(input.items.length);
      const chunks = [];
      for (let i = 0; i < input.items.length; i += size) {
        chunks.push(peer.run(input.chunkFn, input.items.slice(i, i + size)));
      }
      const parts = await Promise.all(chunks) as unknown[][];
      return ([] as unknown[]).concat(...parts);
    },
  };
}

/**
 * The default-chunksize figures: each contestant warmed up on the input,
 * then INTERLEAVED_ROUNDS rounds of ours and each peer in turn (one that
 * stalls or fails is left out of the rest).
 */
async function mapsInterleaved(contestants: Contestant[]): Promise<void> {
  for (const input of inputs) {
    const times = await interleaved(
      contestants.map((c) => ({
        name: `${c.who} ${input.name}`,
        run: () => c.run(input),
      })),
      ROUND_MS,
      { n: INTERLEAVED_ROUNDS },
    );
    contestants.forEach((c, k) => {
      emit(
        `pool.${input.name}.default`,
        "items/s",
        times[k].map((t) => rate(input.items.length, t)),
        c.who === runtime ? {} : { who: c.who },
      );
    });
  }
}

/** Ours: chunksize 1, imap and the CPU-bound speed-up. */
async function ours(pool: Pool, t1: number[]): Promise<void> {
  const one = await rounds(
    "ours map chunksize 1",
    () => timed(() => pool.map(square, ONE_BY_ONE, 1)),
    ROUND_MS,
  );
  emit(
    "pool.map.chunk1",
    "items/s",
    one.map((t) => rate(ONE_BY_ONE.length, t)),
  );
  const imap = async () => {
    let n = 0;
    for await (const _ of pool.imap(square, ONE_BY_ONE)) n++;
    return n;
  };
  const im = await rounds("ours imap", () => timed(imap), ROUND_MS);
  emit(
    "pool.imap.default",
    "items/s",
    im.map((t) => rate(ONE_BY_ONE.length, t)),
    {
      vs: "pool.map.chunk1",
    },
  );
  const tCpu = await rounds(
    "ours cpu",
    () => timed(() => pool.map(cpu, cpuInputs, 1)),
    ROUND_MS,
  );
  const best1 = Math.min(...t1);
  emit("pool.cpu.speedup", "x", tCpu.map((t) => best1 / t));
}

async function theirs(peer: Peer, t1: number[]): Promise<void> {
  const who = `${peer.name}@${runtime}`;
  const few = ints.slice(0, PEER_CHUNK1_ITEMS);
  const one = await rounds(
    `${peer.name} one task per item`,
    () => timed(() => Promise.all(few.map((x) => peer.run("square", x)))),
    ROUND_MS,
  );
  emit("pool.map.chunk1", "items/s", one.map((t) => rate(few.length, t)), {
    who,
  });
  const tCpu = await rounds(
    `${peer.name} cpu`,
    () => timed(() => Promise.all(cpuInputs.map((i) => peer.run("cpu", i)))),
    ROUND_MS,
  );
  const best1 = Math.min(...t1);
  emit("pool.cpu.speedup", "x", tCpu.map((t) => best1 / t), { who });
}

const LIFE_ITEMS = Array.from({ length: 10 }, (_, i) => i);
// A pool that has not lived its life in this long has stalled (tinypool under Deno does).
const LIFE_ROUND_MS = 5_000;

/** A pool's whole life: start, map 10 ints, terminate; ours and each peer that ran, in turn. */
async function lifecycles(others: Peer[]): Promise<void> {
  const steps = [
    {
      name: "ours pool life",
      run: async () => {
        const p = new Pool(WORKERS);
        try {
          await p.map(square, LIFE_ITEMS);
        } finally {
          await p.terminate();
        }
      },
    },
    ...PEER_MAKERS.filter(([name]) => others.some((o) => o.name === name)).map((
      [name, make],
    ) => ({
      name: `${name} pool life`,
      run: async () => {
        const p = await make();
        try {
          await Promise.all(LIFE_ITEMS.map((x) => p.run("square", x)));
        } finally {
          await p.close();
        }
      },
    })),
  ];
  const times = await interleaved(steps, LIFE_ROUND_MS, {
    n: INTERLEAVED_ROUNDS,
    pauseMs: 50,
  });
  steps.forEach((step, k) => {
    const name = step.name.split(" ")[0];
    emit(
      "pool.lifecycle",
      "ms",
      times[k],
      name === "ours" ? {} : { who: `${name}@${runtime}` },
    );
  });
}

const t1 = single();
const pool = new Pool(WORKERS);
const others = await peers();
try {
  // Warm-up: workers started and their code compiled, as for the peers.
  await bounded(
    "ours warm-up",
    pool.map(square, ints.slice(0, 1000)),
    ROUND_MS,
  );
  await mapsInterleaved([ourMap(pool), ...others.map(peerMap)]);
  await ours(pool, t1);
} catch (error) {
  console.error(`${runtime}: ours failed: ${(error as Error).message}`);
} finally {
  await bounded("ours terminate", pool.terminate(), 10_000).catch(() => {});
}
for (const p of others) {
  try {
    await theirs(p, t1);
  } catch (error) {
    console.error(
      `${p.name} failed under ${runtime}: ${(error as Error).message}`,
    );
  } finally {
    await bounded(`${p.name} close`, p.close(), 5_000).catch(() => {});
  }
}
await lifecycles(others);
done();
