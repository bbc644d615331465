/**
 * Follows the tutorial "멀티프로세싱 1",
 * section "current.futures" (cf2.py): the same calls on a
 * ThreadPoolExecutor and a ProcessPoolExecutor, results taken with
 * `as_completed`.
 *
 * Python's output with `python cf2.py 5` (the order within each block may
 * change from run to run):
 *
 *     Using 5 workers for 5 values
 *     Using threads:
 *     3 1.7321
 *     1 1.0000
 *     2 1.4142
 *     4 2.0000
 *     5 2.2361
 *     Using processes:
 *     1 1.0000
 *     2 1.4142
 *     3 1.7321
 *     4 2.0000
 *     5 2.2361
 *
 * Ours (`deno run -A examples/002_futures.ts 5`): the same lines. The
 * thread block comes out in submission order here, since the calls run on
 * this thread's event loop and `calc` never waits; Python's threads may
 * finish in any order.
 */

import process from "node:process";
import { asCompleted, ProcessPoolExecutor, ThreadPoolExecutor } from "../mod.ts";

export function calc(val: number): [number, number] {
  const result = Math.sqrt(val);
  return [val, result];
}

async function* useThreads(num: number, values: number[]): AsyncGenerator<[number, number]> {
  await using tex = new ThreadPoolExecutor(num);
  const tasks = values.map((value) => tex.submit(calc, value));
  for await (const f of asCompleted(tasks)) yield await f.result();
}

async function* useProcesses(num: number, values: number[]): AsyncGenerator<[number, number]> {
  await using pex = new ProcessPoolExecutor(num);
  const tasks = values.map((value) => pex.submit(calc, value));
  for await (const f of asCompleted(tasks)) yield await f.result();
}

async function main(workers: number, values: number[]): Promise<void> {
  console.log(`Using ${workers} workers for ${values.length} values`);
  console.log("Using threads:");
  for await (const [val, result] of useThreads(workers, values)) {
    console.log(`${val} ${result.toFixed(4)}`);
  }
  console.log("Using processes:");
  for await (const [val, result] of useProcesses(workers, values)) {
    console.log(`${val} ${result.toFixed(4)}`);
  }
}

if (import.meta.main) {
  let workers = 3;
  const args = process.argv.slice(2);
  if (args.length > 0) workers = Number.parseInt(args[0], 10);
  const values = Array.from({ length: 5 }, (_, i) => i + 1); // 1 .. 5
  await main(workers, values);
}
