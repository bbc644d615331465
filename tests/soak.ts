/**
 * The soak test: sustained work that must leave memory flat. Run the full
 * size with `npm run soak` (Deno, Bun and Node in turn); tests/soak_test.ts
 * runs a short version in `npm test`.
 *
 * It starts and joins processes one after another; sends small messages
 * and messages of every structured-clone kind through a Queue and a Pipe;
 * runs pool tasks on a pool recycled by `maxtasksperchild`; and hands a
 * Lock back and forth between two processes. It records the main
 * program's RSS and heap before (after a warm-up), at the peak and after
 * a settle period (V8's "last-resort" collections, which also give back
 * the pages V8 keeps for reuse: see collect()), and fails when what stays
 * after settling exceeds BASE_BYTES plus PER_PROCESS_BYTES for each process
 * started.
 *
 *     deno run -A --v8-flags=--expose-gc tests/soak.ts
 *     node --expose-gc tests/soak.ts
 *     bun tests/soak.ts
 *
 * Names of phases after the file run only those, at full size, each
 * against the same bound (`cycles`, `small`, `kinds`, `pool`, `locks`):
 *
 *     node --expose-gc tests/soak.ts kinds pool
 *
 * @module
 */

import process from "node:process";
import { Lock } from "../lock.ts";
import { Pipe } from "../pipe.ts";
import { Pool } from "../pool.ts";
import { Process } from "../process.ts";
import { Queue } from "../queue.ts";
import {
  handOff,
  KINDS,
  noop,
  putKinds,
  putSmall,
  sendKinds,
  sendSmall,
  twice,
  valueOf,
} from "./fixtures/soak_targets.ts";

/** What may stay after settling in the full soak: a fixed allowance ... */
export const BASE_BYTES = 64 << 20;
/** ... plus this much per process started. */
export const PER_PROCESS_BYTES = 20 << 10;

/** How much of each kind of work a soak does. */
export interface Sizes {
  cycles: number;
  small: number;
  perKind: number;
  tasks: number;
  maxtasksperchild: number;
  handoffs: number;
  settleMs: number;
  /** The fixed allowance of the bound. @default {BASE_BYTES} */
  baseBytes?: number;
  /** The phases to run. @default {all of PHASES} */
  phases?: readonly Phase[];
}

/** The soak's phases, in the order they run. */
export const PHASES = ["cycles", "small", "kinds", "pool", "locks"] as const;
/** One of {@linkcode PHASES}. */
export type Phase = typeof PHASES[number];

/** The full soak, as `npm run soak` runs it. */
export const FULL: Sizes = {
  cycles: 2_000,
  small: 2_000_000,
  perKind: 200_000,
  tasks: 100_000,
  maxtasksperchild: 1_000,
  handoffs: 10_000,
  settleMs: 3_000,
};

interface Memory {
  rss: number;
  heap: number;
}

/** What a soak measured. */
export interface Report {
  before: Memory;
  peak: Memory;
  after: Memory;
  processes: number;
  messages: number;
  bound: number;
  ok: boolean;
}

function memory(): Memory {
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

// V8 (Node, Deno) keeps the pages its heaps free, up to their peak, for
// reuse, and returns them only under memory pressure: without the library,
// a Node program that makes 4 million short strings keeps 16 MB above its
// start after ordinary collections, and a burst of messages keeps as much
// as the main heap's peak (100 MB and more on Node). A "last-resort"
// collection, what V8 runs under memory pressure, returns those pages, so
// what stays after it is what is still held.
const LAST_RESORT = { type: "major", execution: "sync", flavor: "last-resort" };

function collect(): void {
  // JavaScriptCore's gc() takes no options and ignores them.
  (globalThis as { gc?: (options?: object) => void }).gc?.(LAST_RESORT);
  (globalThis as { Bun?: { gc(force: boolean): void } }).Bun?.gc(true);
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`soak: ${what}`);
}

/** Whether `got` is the `i`th value of kind `k`, as structured clone gives it. */
function same(k: number, i: number, got: unknown): boolean {
  const want = valueOf(k, i);
  if (typeof want !== "object") return got === want;
  if (Object.getPrototypeOf(got) !== Object.getPrototypeOf(want)) return false;
  if (want instanceof Map || want instanceof Set) {
    return JSON.stringify([...want]) === JSON.stringify([...(got as Map<unknown, unknown>)]);
  }
  if (want instanceof Error) return (got as Error).message === want.message;
  return String(want) === String(got) && JSON.stringify(want) === JSON.stringify(got);
}

/** Runs the soak; `log` gets a line per phase. */
export async function soak(sizes: Sizes, log: (line: string) => void = () => {}): Promise<Report> {
  // Warm-up: a little of everything, so that the library's and the
  // runtime's one-time costs (code, caches, allocator arenas of the first
  // threads) are not counted as growth.
  await work({
    ...sizes,
    cycles: 5,
    small: 1_000,
    perKind: 10,
    // Node's memory for threads keeps rising over the first ten or so
    // pool worker generations, then stays flat.
    tasks: 12 * Math.min(sizes.maxtasksperchild, 100),
    maxtasksperchild: Math.min(sizes.maxtasksperchild, 100),
    handoffs: 10,
    // Every phase, whichever run: the one-time costs are the same.
    phases: PHASES,
  }, { sample() {}, log() {} });
  collect();
  const before = memory();
  let peak = before;
  const sample = () => {
    const m = memory();
    peak = { rss: Math.max(peak.rss, m.rss), heap: Math.max(peak.heap, m.heap) };
  };
  const { processes, messages } = await work(sizes, { sample, log });
  // Settle: let the runtime free what it frees lazily.
  const settleUntil = performance.now() + sizes.settleMs;
  while (performance.now() < settleUntil) {
    collect();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  collect();
  const after = memory();
  const bound = (sizes.baseBytes ?? BASE_BYTES) + PER_PROCESS_BYTES * processes;
  return { before, peak, after, processes, messages, bound, ok: after.rss - before.rss <= bound };
}

/** The work of a soak; counts the processes it started and the messages it sent. */
async function work(
  sizes: Sizes,
  { sample, log }: { sample: () => void; log: (line: string) => void },
): Promise<{ processes: number; messages: number }> {
  const runs = (phase: Phase) => (sizes.phases ?? PHASES).includes(phase);
  let processes = 0;
  let messages = 0;
  const run = async (p: Process) => {
    p.start();
    processes++;
    await p.join({ timeout: 600_000 });
    check(p.exitcode === 0, `${p.name} ended with ${p.exitcode}`);
  };
  let t = performance.now();
  const phase = (name: string) => {
    sample();
    log(`${name}: ${((performance.now() - t) / 1000).toFixed(1)} s, rss ${mb(memory().rss)}`);
    t = performance.now();
  };
  for (let i = 0; i < (runs("cycles") ? sizes.cycles : 0); i++) {
    await run(new Process({ target: noop }));
    if (i % 100 === 0) sample();
  }
  if (runs("cycles")) phase(`${sizes.cycles} start/join cycles`);

  if (runs("small")) {
    const q = new Queue<number | null>(10_000);
    const p = new Process({ target: putSmall, args: [q, sizes.small] });
    p.start();
    processes++;
    let n = 0;
    for (let v = await q.get(); v !== null; v = await q.get()) {
      check(v === n, `queue item ${n} arrived as ${v}`);
      if (++n % 100_000 === 0) sample();
    }
    check(n === sizes.small, `queue: ${n} of ${sizes.small} small messages`);
    await p.join();
    q.close();
    messages += n;
  }
  if (runs("small")) {
    const [r, w] = Pipe<number | null>(false);
    const p = new Process({ target: sendSmall, args: [w, sizes.small] });
    p.start();
    processes++;
    w.close();
    let n = 0;
    for (let v = await r.recv(); v !== null; v = await r.recv()) {
      check(v === n, `pipe message ${n} arrived as ${v}`);
      if (++n % 100_000 === 0) sample();
    }
    check(n === sizes.small, `pipe: ${n} of ${sizes.small} small messages`);
    await p.join();
    r.close();
    messages += n;
  }
  if (runs("small")) phase(`2 x ${sizes.small} small messages`);

  for (const through of runs("kinds") ? ["queue", "pipe"] as const : []) {
    const q = new Queue<unknown>(10_000);
    const [r, w] = Pipe<unknown>(false);
    const p = through === "queue"
      ? new Process({ target: putKinds, args: [q, sizes.perKind] })
      : new Process({ target: sendKinds, args: [w, sizes.perKind] });
    p.start();
    processes++;
    w.close();
    const next = () => through === "queue" ? q.get() : r.recv();
    for (let k = 0; k < KINDS.length; k++) {
      for (let i = 0; i < sizes.perKind; i++) {
        const v = await next();
        // Every value's kind; every 997th value in full.
        check(
          i % 997 === 0 ? same(k, i, v) : Object.getPrototypeOf(v) ===
              Object.getPrototypeOf(valueOf(k, i)) || typeof v === "bigint",
          `${through}: ${KINDS[k]} ${i} arrived altered`,
        );
        if (i % 50_000 === 0) sample();
      }
      messages += sizes.perKind;
    }
    check(await next() === null, `${through}: more values than were sent`);
    await p.join();
    q.close();
    r.close();
  }
  if (runs("kinds")) phase(`2 x ${sizes.perKind} of each of ${KINDS.length} kinds`);

  if (runs("pool")) {
    const pool = new Pool(2, { maxtasksperchild: sizes.maxtasksperchild });
    const items = Array.from({ length: sizes.tasks }, (_, i) => i);
    const out = await pool.map(twice, items, 1);
    check(out.length === sizes.tasks && out.every((v, i) => v === 2 * i), "pool results");
    pool.close();
    await pool.join();
    processes += Math.ceil(sizes.tasks / sizes.maxtasksperchild) + 1;
    phase(`${sizes.tasks} pool tasks, maxtasksperchild ${sizes.maxtasksperchild}`);
  }

  if (runs("locks")) {
    const lock = new Lock();
    const turn = new Int32Array(new SharedArrayBuffer(8));
    const half = sizes.handoffs / 2;
    const ps = [0, 1].map((me) => new Process({ target: handOff, args: [lock, turn, me, half] }));
    await Promise.all(ps.map(run));
    check(turn[1] === 2 * half, `lock hand-offs: ${turn[1]} of ${2 * half}`);
    phase(`${sizes.handoffs} lock hand-offs`);
  }

  return { processes, messages };
}

function mb(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(1)} MB`;
}

/** The figures, for people. */
export function describeReport(r: Report): string {
  return [
    `processes started ${r.processes}, messages ${r.messages}`,
    `rss  before ${mb(r.before.rss)}, peak ${mb(r.peak.rss)}, after settling ${
      mb(r.after.rss)
    } (growth ${mb(r.after.rss - r.before.rss)}, bound ${mb(r.bound)})`,
    `heap before ${mb(r.before.heap)}, peak ${mb(r.peak.heap)}, after settling ${mb(r.after.heap)}`,
    r.ok ? "ok" : "FAILED: memory grew past the bound",
  ].join("\n");
}

if (import.meta.main) {
  const phases = process.argv.slice(2);
  for (const p of phases) {
    if (!(PHASES as readonly string[]).includes(p)) {
      throw new TypeError(`Unknown soak phase ${JSON.stringify(p)}: use ${PHASES.join(", ")}`);
    }
  }
  const sizes = phases.length > 0 ? { ...FULL, phases: phases as Phase[] } : FULL;
  const report = await soak(sizes, console.log);
  console.log(describeReport(report));
  process.exit(report.ok ? 0 : 1);
}
