/**
 * Locks against a bare three-state futex mutex on `Atomics` (the floor), in
 * one run: uncontended `acquireSync()`/`release()` pairs per second, and a
 * counter that three processes add to under the lock, in increments per
 * second (timed from a shared start signal to the last increment, so
 * process start-up is not counted). Prints JSON lines for bench/report.ts.
 *
 *   deno run -A bench/lock_bench.ts | bun bench/lock_bench.ts | node bench/lock_bench.ts
 *
 * Python's side: bench/python/lock.py.
 */

import { Lock, Process, Value } from "../mod.ts";
import { done as end, emit, ROUNDS } from "./_stats.ts";

const WORKERS = 3;
const PER_WORKER = 300_000;
const PAIRS = 5_000_000;

// Control words shared with the workers.
/** Workers that are ready; the main process waits for WORKERS. */
const READY = 0;
/** Set to 1 by the main process: start counting. */
const GO = 1;
/** Workers that have finished. */
const DONE = 2;

// The bare futex mutex (Drepper, "Futexes are tricky", mutex 3): 0 free,
// 1 locked, 2 locked with waiters; a spin of 100 loads before sleeping.
function futexLock(m: Int32Array): void {
  let c = Atomics.compareExchange(m, 0, 0, 1);
  if (c === 0) return;
  for (let i = 0; i < 100; i++) {
    if (Atomics.load(m, 0) === 0 && Atomics.compareExchange(m, 0, 0, 1) === 0) {
      return;
    }
  }
  if (c !== 2) c = Atomics.exchange(m, 0, 2);
  while (c !== 0) {
    Atomics.wait(m, 0, 2);
    c = Atomics.exchange(m, 0, 2);
  }
}

function futexUnlock(m: Int32Array): void {
  if (Atomics.sub(m, 0, 1) !== 1) {
    Atomics.store(m, 0, 0);
    Atomics.notify(m, 0, 1);
  }
}

function startLine(ctl: Int32Array): void {
  Atomics.add(ctl, READY, 1);
  Atomics.notify(ctl, READY);
  while (Atomics.load(ctl, GO) === 0) Atomics.wait(ctl, GO, 0, 100);
}

function finish(ctl: Int32Array): void {
  Atomics.add(ctl, DONE, 1);
  Atomics.notify(ctl, DONE);
}

/** Worker: adds `n` to `counter[0]` under the bare futex mutex `m`. */
export function futexCounter(
  ctl: Int32Array,
  m: Int32Array,
  counter: Int32Array,
  n: number,
): void {
  startLine(ctl);
  for (let i = 0; i < n; i++) {
    futexLock(m);
    counter[0]++;
    futexUnlock(m);
  }
  finish(ctl);
}

/**
 * Worker: adds `n` to `counter[0]` under our Lock, with acquireSync/release:
 * the same critical section as futexCounter, so the two differ only in the
 * lock (valueCounter measures the Value idiom).
 */
export function lockCounter(
  ctl: Int32Array,
  lock: Lock,
  counter: Int32Array,
  n: number,
): void {
  startLine(ctl);
  for (let i = 0; i < n; i++) {
    lock.acquireSync();
    counter[0]++;
    lock.release();
  }
  finish(ctl);
}

/** Worker: Python's idiom, `with v.get_lock(): v.value += 1`, on a Value. */
export function valueCounter(
  ctl: Int32Array,
  value: Value<"i">,
  n: number,
): void {
  startLine(ctl);
  const lock = value.getLock();
  for (let i = 0; i < n; i++) lock.withLockSync(() => value.value += 1);
  finish(ctl);
}

async function timeWorkers(
  make: (ctl: Int32Array) => Process,
): Promise<number> {
  const ctl = new Int32Array(new SharedArrayBuffer(12));
  const ps = Array.from({ length: WORKERS }, () => make(ctl));
  for (const p of ps) p.start();
  const startBy = performance.now() + 30_000;
  while (Atomics.load(ctl, READY) < WORKERS) {
    if (performance.now() > startBy) {
      throw new Error('step "workers start" stalled (30 s)');
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const t0 = performance.now();
  Atomics.store(ctl, GO, 1);
  Atomics.notify(ctl, GO);
  // The main process blocks here: it takes no part in the counting.
  const countBy = performance.now() + 60_000;
  for (
    let done = Atomics.load(ctl, DONE);
    done < WORKERS;
    done = Atomics.load(ctl, DONE)
  ) {
    if (performance.now() > countBy) {
      throw new Error('step "counting" stalled (60 s)');
    }
    Atomics.wait(ctl, DONE, done, 100);
  }
  const seconds = (performance.now() - t0) / 1000;
  for (const p of ps) await p.join({ timeout: 60_000 });
  return (WORKERS * PER_WORKER) / seconds;
}

// Two loops written out, not one loop over a closure, so that each runtime
// can inline the pair as a user's own loop would.
function lockPairs(lock: Lock, n: number): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    lock.acquireSync();
    lock.release();
  }
  return n / ((performance.now() - t0) / 1000);
}

function futexPairs(m: Int32Array, n: number): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    futexLock(m);
    futexUnlock(m);
  }
  return n / ((performance.now() - t0) / 1000);
}

if (import.meta.main) {
  const lock = new Lock();
  const m = new Int32Array(new SharedArrayBuffer(4));
  const uncontended: number[] = [];
  const bare: number[] = [];
  // Alternate the two so that drift on the VM hits both alike.
  lockPairs(lock, 1_000_000);
  futexPairs(m, 1_000_000);
  for (let r = 0; r < ROUNDS; r++) {
    uncontended.push(lockPairs(lock, PAIRS));
    bare.push(futexPairs(m, PAIRS));
  }
  emit("futex.uncontended", "pairs/s", bare);
  emit("lock.uncontended", "pairs/s", uncontended, { vs: "futex.uncontended" });

  const ours: number[] = [];
  const floor: number[] = [];
  const values: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const counter = new Int32Array(new SharedArrayBuffer(4));
    ours.push(
      await timeWorkers((ctl) =>
        new Process({
          target: lockCounter,
          args: [ctl, lock, counter, PER_WORKER],
        })
      ),
    );
    if (counter[0] !== WORKERS * PER_WORKER) {
      throw new Error(`lost increments: ${counter[0]}`);
    }
    const raw = new Int32Array(new SharedArrayBuffer(4));
    floor.push(
      await timeWorkers((ctl) =>
        new Process({ target: futexCounter, args: [ctl, m, raw, PER_WORKER] })
      ),
    );
    if (raw[0] !== WORKERS * PER_WORKER) {
      throw new Error(`lost increments: ${raw[0]}`);
    }
    const value = new Value("i", 0);
    values.push(
      await timeWorkers((ctl) =>
        new Process({ target: valueCounter, args: [ctl, value, PER_WORKER] })
      ),
    );
    if (value.value !== WORKERS * PER_WORKER) {
      throw new Error(`lost increments: ${value.value}`);
    }
  }
  emit("futex.counter.3w", "incr/s", floor);
  emit("lock.counter.3w", "incr/s", ours, { vs: "futex.counter.3w" });
  emit("value.counter.3w", "incr/s", values, { vs: "futex.counter.3w" });
  end();
}
