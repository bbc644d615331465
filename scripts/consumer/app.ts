// A program as a user of the published package writes it: it imports the
// package by name and uses a process, a queue, a lock, a pool (an exported
// target and a lambda) and a process pool executor. It prints one line and
// exits 0 when every answer is right, and throws otherwise.
import { Lock, Pool, Process, ProcessPoolExecutor, Queue } from "@tsmp/multiprocessing";

export function square(x: number): number {
  return x * x;
}

export function greet(q: Queue<string>, lock: Lock, name: string): void {
  lock.withLockSync(() => q.putNowait(`hello from ${name}`));
}

function expect(what: string, actual: unknown, expected: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

if (import.meta.main) {
  const q = new Queue<string>();
  const lock = new Lock();
  const ps = ["a", "b"].map((name) => new Process({ target: greet, args: [q, lock, name] }));
  for (const p of ps) p.start();
  for (const p of ps) await p.join({ timeout: 60_000 });
  expect("exit codes", ps.map((p) => p.exitcode), [0, 0]);
  const greetings = [await q.get({ timeout: 10_000 }), await q.get({ timeout: 10_000 })];
  expect("greetings", greetings.sort(), ["hello from a", "hello from b"]);

  const pool = new Pool(2);
  try {
    expect("pool.map", await pool.map(square, [1, 2, 3, 4]), [1, 4, 9, 16]);
    expect("pool.map of a lambda", await pool.map((x: number) => x + 1, [1, 2, 3]), [2, 3, 4]);
  } finally {
    await pool.terminate();
  }

  const executor = new ProcessPoolExecutor(2);
  try {
    expect("executor", await executor.submit(square, 7).result({ timeout: 60_000 }), 49);
  } finally {
    await executor.shutdown();
  }
  console.log("consumer program ok: Process, Queue, Lock, Pool, ProcessPoolExecutor");
}
