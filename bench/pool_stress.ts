/**
 * A stall hunt, not a benchmark: `Pool(2)` runs default-chunksize `map`s
 * and `starmap`s of the bench's inputs (100,000 ints, 10,000 strings of
 * 1 KiB, 100,000 objects, 100,000 pairs) back to back for a while, with a
 * fresh pool every few rounds, checking every result. Every map is bounded:
 * one that does not settle in time is reported on stderr with what it was,
 * and the run ends with exit code 1 (as does a wrong result).
 *
 *   deno run -A bench/pool_stress.ts [seconds=300]
 *   bun bench/pool_stress.ts [seconds]
 *   node bench/pool_stress.ts [seconds]
 *
 * Prints one JSON line at the end: maps run, items, stalls, failures.
 */

import process from "node:process";
import { Pool } from "../pool.ts";
import { countA, mul, score, square } from "./_pool_targets.ts";
import { bounded, runtime, Stalled } from "./_stats.ts";

const WORKERS = 2;
// A map here takes well under a second on a quiet machine; a minute means
// it waits for something that will never come.
const MAP_MS = 60_000;
// Maps per pool before it is replaced (pool start and shutdown are covered too).
const MAPS_PER_POOL = 40;

const ints = Array.from({ length: 100_000 }, (_, i) => i);
const KIB = "abcdefghijklmnop".repeat(64);
const strings = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(8, "0") + KIB.slice(8));
const objects = Array.from(
  { length: 100_000 },
  (_, i) => ({ id: i, name: `item-${i}`, score: i % 97 }),
);
const pairs = ints.map((i): [number, number] => [i, i + 1]);

interface Kind {
  name: string;
  run(pool: Pool): Promise<unknown[]>;
  expected(i: number): unknown;
  length: number;
}

const kinds: Kind[] = [
  {
    name: "map ints",
    run: (p) => p.map(square, ints),
    expected: (i) => i * i,
    length: ints.length,
  },
  {
    name: "map 1 KiB strings",
    run: (p) => p.map(countA, strings),
    expected: (i) => countA(strings[i]),
    length: strings.length,
  },
  {
    name: "map objects",
    run: (p) => p.map(score, objects),
    expected: (i) => (i % 97) * 2,
    length: objects.length,
  },
  {
    name: "starmap pairs",
    run: (p) => p.starmap(mul, pairs),
    expected: (i) => i * (i + 1),
    length: pairs.length,
  },
];

if (import.meta.main) {
  const seconds = Number(process.argv[2] ?? 300);
  const until = performance.now() + seconds * 1000;
  let maps = 0;
  let items = 0;
  let stalls = 0;
  let failures = 0;
  let pools = 0;
  while (performance.now() < until && stalls + failures === 0) {
    const pool = new Pool(WORKERS);
    pools++;
    try {
      for (let m = 0; m < MAPS_PER_POOL && performance.now() < until; m++) {
        const kind = kinds[maps % kinds.length];
        const step = `pool ${pools}, map ${maps + 1} (${kind.name})`;
        try {
          const out = await bounded(step, kind.run(pool), MAP_MS);
          const bad = out.length !== kind.length
            ? -1
            : out.findIndex((v, i) => v !== kind.expected(i));
          if (bad !== -1) {
            failures++;
            console.error(
              `${runtime}: ${step} gave a wrong result at ${bad} (length ${out.length})`,
            );
            break;
          }
          items += out.length;
          maps++;
        } catch (error) {
          if (error instanceof Stalled) stalls++;
          else {
            failures++;
            console.error(`${runtime}: ${step} failed: ${(error as Error).stack}`);
          }
          break;
        }
      }
    } finally {
      await bounded(`pool ${pools} terminate`, pool.terminate(), 10_000).catch(() => {
        stalls++;
      });
    }
  }
  console.log(JSON.stringify({ runtime, seconds, pools, maps, items, stalls, failures }));
  process.exit(stalls + failures === 0 ? 0 : 1);
}
